// Number, size, time and protocol formatting shared by the pages, so each figure reads the same everywhere.
const Fmt = {
  num(v) { return v == null ? '–' : Number(v).toLocaleString('en'); },
  // Rates and latencies: enough digits to tell 0.3 from 0.03, no more.
  dec(v, digits) {
    if (v == null || Number.isNaN(Number(v))) return '–';
    const n = Number(v), a = Math.abs(n);
    const d = digits != null ? digits : a === 0 || a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    return n.toLocaleString('en', { minimumFractionDigits: 0, maximumFractionDigits: d });
  },
  ms(v) { return v == null ? '–' : t('unit.ms', { n: Fmt.dec(v) }); },
  bytes(v) {
    if (v == null || v < 0) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let n = Number(v), i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return t('unit.bytes', { n: Fmt.dec(n, i === 0 ? 0 : 1), unit: units[i] });
  },
  percent(ratio) { return ratio == null ? '–' : t('unit.percent', { n: Fmt.dec(ratio * 100, 1) }); },
  // "3 d 4 h", "5 h 12 min", "42 s": the two largest units an operator needs.
  duration(seconds) {
    if (seconds == null || seconds < 0) return '–';
    const s = Math.floor(seconds), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    const u = (unit, n) => t('unit.' + unit, { n });
    if (d) return u('d', d) + ' ' + u('h', h);
    if (h) return u('h', h) + ' ' + u('min', m);
    if (m) return u('min', m) + ' ' + u('s', s % 60);
    return u('s', s);
  },
  // A sampling interval: "500 ms", "5 s", "1 min".
  interval(ms) { return ms < 1000 ? t('unit.ms', { n: ms }) : Fmt.duration(ms / 1000); },
  // 24-hour local time, like the API's own times.
  time(ms) { return ms == null ? '–' : new Date(ms).toTimeString().slice(0, 8); },
  dateTime(ms) {
    if (ms == null) return '–';
    const d = new Date(ms), p = n => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + Fmt.time(ms);
  },
  since(ms) { return ms == null ? '–' : t('since', { time: Fmt.dateTime(ms), ago: Fmt.duration((Date.now() - ms) / 1000) }); },
  // The MQTT protocol level as people name it, not the CONNECT byte.
  protocol(ver) { return ({ 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5.0' })[ver] || (ver == null ? '–' : t('protocol.level', { level: ver })); },
  yesNo(b) { return b == null ? '–' : t(b ? 'yes' : 'no'); }
};
