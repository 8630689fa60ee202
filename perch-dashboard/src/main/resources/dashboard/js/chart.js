// Time-series charts drawn by uPlot (vendor/uPlot.iife.min.js, MIT, bundled: no outside host).
// A TimeChart keeps its own copy of the samples it shows; the page hands it the whole history.

// Colours come from the stylesheet, so light and dark mode stay in one place (style.css).
function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

// Axis labels: seconds on a short span, minutes on a long one, always 24 h.
function timeTicks(u, splits) {
  const span = u.scales.x.max - u.scales.x.min;
  return splits.map(s => (s == null ? '' : Fmt.time(s * 1000).slice(0, span < 300 ? 8 : 5)));
}

class TimeChart {
  /**
   * @param host   the element the chart fills (its width is followed)
   * @param opts   { integer: true } for counts (no 0.25 connection on the axis)
   * @param series [{ label, key, color, scale?, fmt? }]: key is the sample field
   */
  constructor(host, opts, series) {
    this.host = host;
    this.series = series;
    const fg = cssVar('--muted'), grid = cssVar('--grid');
    const scales = { x: { time: true } };
    const axes = [{ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values: timeTicks,
      incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600], space: 70 }];
    const used = [...new Set(series.map(s => s.scale || 'y'))];
    // Away from the chart the legend shows the newest values; over it, the values under the cursor.
    const shown = (u, v, si, idx) => (idx == null ? u.data[si][u.data[0].length - 1] : v);
    used.forEach((sc, i) => {
      scales[sc] = { auto: true, range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] };
      axes.push({ scale: sc, side: i === 0 ? 3 : 1, stroke: fg, size: 56,
        grid: { show: i === 0, stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 },
        values: (u, splits) => splits.map(v => Fmt.dec(v)),
        incrs: opts.integer && sc === 'y' ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6] : undefined });
    });
    this.plot = new uPlot({
      width: Math.max(200, host.clientWidth), height: 220,
      scales, axes,
      cursor: { drag: { x: false, y: false } },
      series: [{ label: t('chart.time'), value: (u, v, si, idx) => { const x = shown(u, v, si, idx); return x == null ? '–' : Fmt.time(x * 1000); } },
        ...series.map(s => ({ label: s.label, stroke: cssVar(s.color), width: 2, scale: s.scale || 'y', spanGaps: false,
          points: { show: (u) => u.data[0].length < 3 },
          value: (u, v, si, idx) => { const x = shown(u, v, si, idx); return x == null ? '–' : (s.fmt || Fmt.dec)(x); } }))]
    }, this.empty(), host);
    // uPlot draws at a fixed size; follow the card as the window (or phone) turns.
    this.resize = new ResizeObserver(() => this.plot.setSize({ width: Math.max(200, host.clientWidth), height: 220 }));
    this.resize.observe(host);
  }

  empty() { return [[], ...this.series.map(() => [])]; }

  /** Shows these samples (oldest first); a missing field is a gap, not a zero. */
  setSamples(samples) {
    const data = this.empty();
    for (const s of samples) {
      data[0].push(s.ts / 1000);
      this.series.forEach((sr, i) => data[i + 1].push(s[sr.key] == null ? null : s[sr.key]));
    }
    this.plot.setData(data);
    this.host.dataset.samples = String(samples.length); // for the browser test and for curious operators
  }

  destroy() { this.resize.disconnect(); this.plot.destroy(); }
}
