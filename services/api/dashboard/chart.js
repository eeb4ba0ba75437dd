// One rule's chart (uPlot, drawn on a canvas): its value over its window, the threshold and resolve
// lines, and a marker per breach, resolve, silence and drill event. The points and markers are
// also in the page as data (data-* attributes, a list), for people and tests that read them.
import { displayText } from './display-text.js';
import { element, inUnit, time } from './format.js';
import uPlot from './uplot.js';

const COLOURS = {
  value: '#1565c0',
  threshold: '#c62828',
  resolve: '#2f7d32',
  breach: '#c62828',
  resolve_event: '#2f7d32',
  silence: '#6a1b9a',
  drill: '#ef6c00',
};
const MARKER_SYMBOLS = { breach: '▲', resolve: '▼', silence: '◆', drill: '●' };

/** Draws the threshold and resolve lines and the event markers over the plotted series. */
function overlays(chart, markers) {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const { left, top, width, height } = u.bbox;
          ctx.save();
          ctx.lineWidth = 1.5 * devicePixelRatio;
          const line = (value, colour, dash) => {
            if (value === null || value === undefined) return;
            const y = u.valToPos(value, 'y', true);
            ctx.strokeStyle = colour;
            ctx.setLineDash(dash.map((step) => step * devicePixelRatio));
            ctx.beginPath();
            ctx.moveTo(left, y);
            ctx.lineTo(left + width, y);
            ctx.stroke();
          };
          line(chart.threshold, COLOURS.threshold, [6, 4]);
          if (chart.resolveThreshold !== chart.threshold)
            line(chart.resolveThreshold, COLOURS.resolve, [2, 3]);
          ctx.setLineDash([]);
          ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
          ctx.textAlign = 'center';
          for (const marker of markers) {
            const x = u.valToPos(marker.timeMs / 1000, 'x', true);
            if (x < left || x > left + width) continue;
            const colour = COLOURS[marker.kind === 'resolve' ? 'resolve_event' : marker.kind];
            ctx.strokeStyle = colour;
            ctx.fillStyle = colour;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.fillText(MARKER_SYMBOLS[marker.kind], x, top + 12 * devicePixelRatio);
          }
          ctx.restore();
        },
      ],
    },
  };
}

function yRange(chart) {
  return (_u, min, max) => {
    const limits = [chart.threshold, chart.resolveThreshold].filter((value) => typeof value === 'number');
    const low = Math.min(...limits, ...(Number.isFinite(min) ? [min] : []));
    const high = Math.max(...limits, ...(Number.isFinite(max) ? [max] : []));
    const pad = (high - low || Math.abs(high) || 1) * 0.1;
    return [chart.unit === 'ms' ? Math.max(0, low - pad) : Math.max(0, low - pad), high + pad];
  };
}

/**
 * A chart of one rule of one series. `markers`: `{kind, timeMs, label}` (breach, resolve,
 * silence, drill). The last point is the value the status report shows now.
 */
export function ruleChart(chart, markers, width) {
  const lastIndex = chart.values.length - 1;
  const figure = element('figure', {
    class: 'chart',
    'data-rule': chart.rule,
    'data-points': chart.values.length,
    'data-step-ms': chart.stepMs,
    'data-last-time': chart.times[lastIndex],
    'data-last-value': chart.values[lastIndex] ?? '',
  });
  const caption = element(
    'figcaption',
    {},
    element('strong', {}, displayText(chart.rule)),
    ` · now ${inUnit(chart.unit, chart.values[lastIndex])} · threshold ${chart.comparator} ${inUnit(chart.unit, chart.threshold)}`,
    chart.resolveThreshold === null || chart.resolveThreshold === chart.threshold
      ? ''
      : ` · resolves at ${inUnit(chart.unit, chart.resolveThreshold)}`,
    ` · ${chart.windowMs / 3_600_000}h window, a point every ${chart.stepMs / 60_000} min`,
  );
  const plot = element('div', { class: 'plot' });
  figure.append(caption, plot);
  const options = {
    width,
    height: 180,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: yRange(chart) } },
    axes: [{}, { size: 80, values: (_u, ticks) => ticks.map((tick) => inUnit(chart.unit, tick)) }],
    series: [{}, { label: chart.rule, stroke: COLOURS.value, width: 2, spanGaps: false }],
    plugins: [overlays(chart, markers)],
  };
  new uPlot(options, [chart.times.map((ms) => ms / 1000), chart.values], plot);
  figure.append(
    element(
      'ul',
      { class: 'markers' },
      ...markers.map((marker) =>
        element(
          'li',
          { 'data-kind': marker.kind, 'data-time': marker.timeMs, class: `mark ${marker.kind}` },
          `${MARKER_SYMBOLS[marker.kind]} ${marker.kind} ${time(new Date(marker.timeMs).toISOString())}`,
          marker.label ? ` (${marker.label})` : '',
        ),
      ),
    ),
  );
  return figure;
}
