// Measures every chart once the page is laid out and writes the result into the figure's
// `data-rendered` attribute: how many bars, how many were drawn with a size, text clipped by the
// chart's edge and pairs of visible labels that overlap. Tests read it back from the DOM a
// headless browser dumps. It also wires the "show only failing reports" box.
(function () {
  function overlap(a, b) {
    return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  }
  var figures = document.querySelectorAll("figure.chart");
  for (var i = 0; i < figures.length; i++) {
    var svg = figures[i].querySelector("svg");
    var box = svg.getBoundingClientRect();
    // Vega draws a bar as a path whose role description is "bar".
    var bars = svg.querySelectorAll('[aria-roledescription="bar"]');
    var drawn = 0;
    var plot = null;
    for (var b = 0; b < bars.length; b++) {
      var bb = bars[b].getBoundingClientRect();
      if (bb.width > 0 && bb.height > 0) {
        drawn++;
        plot = plot ? {left: Math.min(plot.left, bb.left), right: Math.max(plot.right, bb.right),
                       top: Math.min(plot.top, bb.top), bottom: Math.max(plot.bottom, bb.bottom)}
                    : {left: bb.left, right: bb.right, top: bb.top, bottom: bb.bottom};
      }
    }
    var texts = svg.querySelectorAll("text");
    var rects = [];
    var outside = 0;
    for (var t = 0; t < texts.length; t++) {
      // Vega hides an axis label that would touch its neighbour by making it transparent.
      if (window.getComputedStyle(texts[t]).opacity === "0") { continue; }
      var r = texts[t].getBoundingClientRect();
      if (r.width === 0) { continue; }
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
          r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) { outside++; }
      rects.push(r);
    }
    var overlaps = 0;
    for (var p = 0; p < rects.length; p++) {
      for (var q = p + 1; q < rects.length; q++) {
        if (overlap(rects[p], rects[q])) { overlaps++; }
      }
    }
    var plotBox = plot ? {width: plot.right - plot.left, height: plot.bottom - plot.top}
                       : {width: 0, height: 0};
    figures[i].setAttribute("data-rendered", JSON.stringify({
      bars: bars.length, drawn: drawn, texts: rects.length, outside: outside,
      overlaps: overlaps, plot_width: plotBox.width, plot_height: plotBox.height,
      x: box.left + window.scrollX, y: box.top + window.scrollY,
      width: box.width, height: box.height
    }));
  }
  var toggle = document.getElementById("only-failing");
  if (toggle) {
    toggle.addEventListener("change", function () {
      document.getElementById("report-table").classList.toggle("only-failing", toggle.checked);
    });
  }
})();
