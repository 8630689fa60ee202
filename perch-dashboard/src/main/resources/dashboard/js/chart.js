// A small line chart on canvas: the dashboard ships no chart library (no outside assets).
class LineChart {
  constructor(canvas, series) { this.canvas = canvas; this.series = series; this.points = series.map(() => []); this.max = 60; }
  push(values) {
    values.forEach((v, i) => { this.points[i].push(v); if (this.points[i].length > this.max) this.points[i].shift(); });
    this.draw();
  }
  draw() {
    const c = this.canvas, dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    c.width = w * dpr; c.height = h * dpr;
    const g = c.getContext('2d'); g.scale(dpr, dpr);
    g.clearRect(0, 0, w, h);
    // Round the scale up to a multiple of 4 so the five grid lines read as whole numbers.
    const pad = 36, top = Math.max(4, Math.ceil(Math.max(...this.points.flat(), 0) * 1.15 / 4) * 4);
    g.strokeStyle = '#dde1e6'; g.fillStyle = '#4a5360'; g.font = '11px sans-serif'; g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = 8 + (h - 28) * i / 4;
      g.beginPath(); g.moveTo(pad, y); g.lineTo(w - 8, y); g.stroke();
      g.fillText(String(top * (4 - i) / 4), 2, y + 4);
    }
    this.series.forEach((s, i) => {
      const pts = this.points[i];
      g.strokeStyle = s.color; g.lineWidth = 2; g.beginPath();
      pts.forEach((v, j) => {
        const x = pad + (w - pad - 8) * j / (this.max - 1), y = 8 + (h - 28) * (1 - v / top);
        j ? g.lineTo(x, y) : g.moveTo(x, y);
      });
      g.stroke();
      // Mark the newest value, so a chart with one sample (just opened) is not blank.
      if (pts.length) {
        const j = pts.length - 1, x = pad + (w - pad - 8) * j / (this.max - 1), y = 8 + (h - 28) * (1 - pts[j] / top);
        g.fillStyle = s.color; g.beginPath(); g.arc(x, y, 3, 0, 2 * Math.PI); g.fill();
      }
      g.fillStyle = s.color; g.fillText(s.label + ': ' + (pts.length ? pts[pts.length - 1] : 0), pad + 110 * i, h - 6);
    });
  }
}
