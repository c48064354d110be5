// Grafana panel builders for generate-dashboard.js: each call places its panel on a 24-column grid,
// left to right, and numbers it, so the panel list reads as a table of contents.

/** Returns panel builders that share one layout (grid position and panel ids); `ds` is the panels' data source. */
export function panelBuilder(ds) {
  let nextId = 1;
  let y = 0;
  let x = 0;
  let rowHeight = 0;

  /** Places panels left to right, 24 columns wide, wrapping to a new line. */
  function place(w, h) {
    if (x + w > 24) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return gridPos;
  }

  function row(title) {
    y += rowHeight;
    x = 0;
    rowHeight = 0;
    const panel = { collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, id: nextId++, panels: [], title, type: 'row' };
    y += 1;
    return panel;
  }

  function targets(queries, instant = false) {
    return queries.map(([expr, legendFormat], i) => ({
      datasource: ds,
      expr,
      ...(instant ? { format: 'table', instant: true, range: false } : { range: true }),
      legendFormat: legendFormat ?? '__auto',
      refId: String.fromCharCode(65 + i),
    }));
  }

  function stat(title, description, expr, { w = 6, unit = 'short', thresholds } = {}) {
    return {
      datasource: ds,
      description,
      fieldConfig: {
        defaults: {
          color: { mode: 'thresholds' },
          thresholds: { mode: 'absolute', steps: thresholds ?? [{ color: 'blue', value: null }] },
          unit,
        },
        overrides: [],
      },
      gridPos: place(w, 4),
      id: nextId++,
      options: {
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        textMode: 'auto',
      },
      targets: targets([[expr]]),
      title,
      type: 'stat',
    };
  }

  function timeseries(title, description, queries, { w = 12, h = 8, unit = 'short', stack = false, max } = {}) {
    return {
      datasource: ds,
      description,
      fieldConfig: {
        defaults: {
          color: { mode: 'palette-classic' },
          custom: {
            drawStyle: 'line',
            fillOpacity: stack ? 30 : 10,
            lineWidth: 1,
            showPoints: 'never',
            stacking: { group: 'A', mode: stack ? 'normal' : 'none' },
          },
          ...(max !== undefined ? { max, min: 0 } : {}),
          unit,
        },
        overrides: [],
      },
      gridPos: place(w, h),
      id: nextId++,
      options: {
        legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
      targets: targets(queries),
      title,
      type: 'timeseries',
    };
  }

  function table(title, description, expr, columns, { w = 24, h = 8 } = {}) {
    return {
      datasource: ds,
      description,
      fieldConfig: { defaults: { custom: { align: 'auto', filterable: true } }, overrides: [] },
      gridPos: place(w, h),
      id: nextId++,
      options: { cellHeight: 'sm', showHeader: true, sortBy: [{ desc: false, displayName: columns[0] }] },
      targets: targets([[expr]], true),
      title,
      transformations: [
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true, Value: true, __name__: true },
            includeByName: {},
            indexByName: Object.fromEntries(columns.map((c, i) => [c, i])),
            renameByName: {},
          },
        },
        { id: 'filterFieldsByName', options: { include: { names: columns } } },
      ],
      type: 'table',
    };
  }

  const quantiles = (metric, by, window = '$__rate_interval') => [
    [`histogram_quantile(0.5, sum by (${by}, le) (rate(${metric}_bucket[${window}])))`, `p50 {{${by}}}`],
    [`histogram_quantile(0.95, sum by (${by}, le) (rate(${metric}_bucket[${window}])))`, `p95 {{${by}}}`],
  ];

  return { row, stat, timeseries, table, quantiles };
}
