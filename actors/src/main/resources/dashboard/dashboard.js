// Cohort dashboard: renders a snapshot of the run (GET api/cohort, or window.COHORT_SNAPSHOT in a
// static report.html) and applies the updates streamed by api/events (Server-Sent Events).
// The line charts are uPlot's (vendor/, served from the jar: zoom, values under the cursor,
// legend toggles); the heat maps are SVG drawn here.
(function () {
  'use strict';

  const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#be185d', '#4d7c0f',
    '#9333ea', '#475569'];
  const SVG = 'http://www.w3.org/2000/svg';
  const state = { run: {}, peers: new Map(), series: {}, ensemble: [], matrix: {}, events: [], best: null, members: [] };
  // A large cohort (more peers than LARGE) is drawn as the cohort's range and median plus the best
  // peer and the peers chosen in the table, not a curve each; its table groups the peers by node,
  // collapsed from COLLAPSE_ABOVE peers on.
  const LARGE = 8;
  const COLLAPSE_ABOVE = 16;
  const view = { sort: null, descending: false, collapsed: new Map(), chosen: [] };
  // The table's columns: header order, the row field a click on the header sorts by.
  const COLUMNS = ['peer', 'status', 'node', 'architecture', 'parameters', 'epoch', 'step', 'ce_loss', 'kd_loss',
    'train_accuracy', 'val_accuracy', 'val_loss', 'steps_per_second', 'wait_fraction', 'kept_fraction', 'mean_staleness',
    'restarts', 'last_seen', 'eta_seconds'];
  let drawPending = false;

  function $(id) { return document.getElementById(id); }

  function fmt(value, digits) {
    return value === null || value === undefined || Number.isNaN(value) ? '–' : Number(value).toFixed(digits);
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    const s = Math.round(seconds);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    return Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + 'm';
  }

  function ago(iso) {
    if (!iso) return '–';
    const seconds = (Date.now() - Date.parse(iso)) / 1000;
    return document.body.classList.contains('static') ? new Date(iso).toLocaleTimeString() : duration(Math.max(0, seconds)) + ' ago';
  }

  function large() { return state.peers.size > LARGE; }

  function colorOf(peer) {
    if (large()) {
      // the best peer red; the chosen ones in the order chosen, each its own colour while ten or fewer
      const i = view.chosen.indexOf(peer);
      return peer === (state.best && state.best.peer) ? COLORS[1] : COLORS[[0, 2, 3, 4, 5, 6, 7, 8, 9][Math.max(0, i) % 9]];
    }
    const names = [...state.peers.keys()];
    const i = names.indexOf(peer);
    return COLORS[(i < 0 ? names.length : i) % COLORS.length];
  }

  function nodeOf(row) { return (row.node || '').replace(/^pekko:\/\/[^@]*@/, ''); }

  // ---- state ----------------------------------------------------------------------------------

  function load(snapshot) {
    state.run = snapshot.run || {};
    state.peers = new Map((snapshot.peers || []).map(row => [row.peer, row]));
    state.series = snapshot.series || {};
    state.ensemble = snapshot.ensemble || [];
    state.matrix = snapshot.matrix || {};
    state.events = snapshot.events || [];
    state.best = snapshot.best || null;
    state.members = snapshot.members || [];
    renderAll();
  }

  function seriesOf(peer) {
    if (!state.series[peer]) state.series[peer] = { loss: [], val_accuracy: [], val_loss: [] };
    return state.series[peer];
  }

  function apply(update) {
    if (update.row) state.peers.set(update.row.peer, update.row);
    if (update.best !== undefined) state.best = update.best;
    if (update.log) addEvent(update.log);
    switch (update.kind) {
      case 'reset':
        fetchSnapshot();
        return;
      case 'peer': {
        const s = seriesOf(update.row.peer);
        s.loss.push([update.point.step, update.point.loss]);
        if (update.point.val_accuracy !== undefined) {
          s.val_accuracy.push([update.point.step, update.point.val_accuracy]);
          s.val_loss.push([update.point.step, update.point.val_loss]);
        }
        break;
      }
      case 'cohort':
        state.ensemble.push([update.point.step, update.point.val_accuracy]);
        state.matrix = update.matrix;
        break;
      case 'event':
        state.run = update.run;
        break;
      case 'members':
        state.members = update.members;
        break;
      default:
        break;
    }
    scheduleDraw();
  }

  function addEvent(entry) {
    state.events.push(entry);
    if (state.events.length > 200) state.events.shift();
  }

  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; renderAll(); });
  }

  // ---- rendering -----------------------------------------------------------------------------

  function renderAll() {
    $('run-id').textContent = state.run.id || '';
    $('phase').textContent = state.run.phase || '';
    $('topology').textContent = [state.run.topology, state.run.epochs ? state.run.epochs + ' epochs' : '',
      state.run.message || ''].filter(Boolean).join(' · ');
    renderBest();
    renderPeers();
    renderMembers();
    renderEvents();
    const names = [...state.peers.keys()];
    lineChart($('chart-loss'), curves('loss', false), 'step', 'loss', true);
    const accuracy = curves('val_accuracy', true);
    if (state.ensemble.length) accuracy.push({ name: 'ensemble', color: '#111827', points: state.ensemble, dashed: true, dots: true });
    lineChart($('chart-val-accuracy'), accuracy, 'step', 'accuracy');
    lineChart($('chart-val-loss'), curves('val_loss', true), 'step', 'cross-entropy');
    $('matrix-epoch').textContent = state.matrix.epoch ? '(epoch ' + state.matrix.epoch + ')' : '';
    heatMap($('heat-agreement'), state.matrix.agreement, names, 1, false);
    heatMap($('heat-kl'), state.matrix.kl, names, 0, true);
  }

  /**
   * The curves of one quantity: a curve per peer, or for a large cohort its range (a band between
   * the lowest and the highest peer), its median, the best peer and the chosen peers.
   */
  function curves(field, dots) {
    const names = [...state.peers.keys()];
    if (!large()) return names.map(p => ({ name: p, color: colorOf(p), points: seriesOf(p)[field], dots }));
    const range = spread(names.map(p => seriesOf(p)[field]));
    const shown = [...new Set([state.best && state.best.peer, ...view.chosen].filter(p => p && state.peers.has(p)))];
    return [
      { name: 'cohort highest', color: '#93c5fd', points: range.high, thin: true, band: 'high' },
      { name: 'cohort lowest', color: '#93c5fd', points: range.low, thin: true, band: 'low' },
      { name: 'cohort median', color: '#1e3a8a', points: range.median, dashed: true },
      ...shown.map(p => ({ name: p + (p === (state.best && state.best.peer) ? ' (best)' : ''), color: colorOf(p),
        points: seriesOf(p)[field], dots })),
    ];
  }

  /**
   * The lowest, median and highest value over the peers at up to 300 steps spread over the union of
   * their steps; at each, a peer counts with its latest point at or before it (never past its last).
   */
  function spread(lists) {
    let steps = [...new Set(lists.flatMap(points => points.map(p => p[0])))].sort((a, b) => a - b);
    if (steps.length > 300) steps = Array.from({ length: 300 }, (_, i) => steps[Math.round(i * (steps.length - 1) / 299)]);
    const low = [], median = [], high = [];
    const at = lists.map(() => -1);
    for (const step of steps) {
      const values = [];
      lists.forEach((points, k) => {
        while (at[k] + 1 < points.length && points[at[k] + 1][0] <= step) at[k]++;
        if (at[k] >= 0 && step <= points[points.length - 1][0]) values.push(points[at[k]][1]);
      });
      if (!values.length) continue;
      values.sort((a, b) => a - b);
      const m = values.length >> 1;
      low.push([step, values[0]]);
      high.push([step, values[values.length - 1]]);
      median.push([step, values.length % 2 ? values[m] : (values[m - 1] + values[m]) / 2]);
    }
    return { low, median, high };
  }

  function renderBest() {
    const best = state.best;
    $('best-peer').textContent = best ? best.peer : 'none yet';
    $('best-detail').textContent = best ? '(val acc ' + fmt(best.val_accuracy, 4) + ' at epoch ' + best.epoch
      + (best.test_accuracy !== undefined ? ', test acc ' + fmt(best.test_accuracy, 4) : '') + ')' : '';
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function sortValue(row, key) {
    if (key === 'node') return nodeOf(row);
    if (key === 'last_seen') return row.last_seen ? Date.parse(row.last_seen) : undefined;
    return row[key];
  }

  /** The rows in the order the user chose (a header click), or as they came. */
  function sortedRows() {
    const rows = [...state.peers.values()];
    if (view.sort === null) return rows;
    const key = view.sort, sign = view.descending ? -1 : 1;
    return rows.sort((a, b) => {
      const x = sortValue(a, key), y = sortValue(b, key);
      if (x === undefined || x === null) return y === undefined || y === null ? 0 : 1; // missing values last
      if (y === undefined || y === null) return -1;
      return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'en',
        { numeric: true }));
    });
  }

  function peerRow(r) {
    const tr = document.createElement('tr');
    tr.dataset.peer = r.peer;
    tr.dataset.status = r.status;
    tr.dataset.node = nodeOf(r);
    if (view.chosen.includes(r.peer)) tr.classList.add('chosen');
    cell(tr, r.peer, 'peer-name');
    if (large()) {
      tr.firstChild.title = 'click: show this peer on the charts (or hide it)';
      tr.firstChild.style.borderLeft = view.chosen.includes(r.peer) ? '4px solid ' + colorOf(r.peer) : '';
      tr.firstChild.addEventListener('click', () => choose(r.peer));
    }
    cell(tr, r.status, 'status status-' + r.status);
    cell(tr, nodeOf(r) + (r.device && r.device !== 'cpu' ? ' ' + r.device : ''));
    cell(tr, r.architecture || '–');
    cell(tr, r.parameters ? r.parameters.toLocaleString('en') : '–');
    cell(tr, r.epoch + '/' + r.epochs);
    cell(tr, r.step + (r.steps_total ? '/' + r.steps_total : ''));
    cell(tr, fmt(r.ce_loss, 4));
    cell(tr, fmt(r.kd_loss, 4));
    cell(tr, fmt(r.train_accuracy, 4));
    cell(tr, fmt(r.val_accuracy, 4));
    cell(tr, fmt(r.val_loss, 4));
    cell(tr, fmt(r.steps_per_second, 1));
    cell(tr, r.wait_fraction !== undefined ? fmt(100 * r.wait_fraction, 1) + '%' : '–');
    cell(tr, r.kept_fraction !== undefined ? fmt(100 * r.kept_fraction, 1) + '%' : '–');
    cell(tr, fmt(r.mean_staleness, 2) + ' / ' + (r.max_staleness ?? '–'));
    cell(tr, String(r.restarts ?? 0));
    cell(tr, ago(r.last_seen));
    cell(tr, r.status === 'finished' ? 'done' : duration(r.eta_seconds));
    return tr;
  }

  function range(values, digits) {
    const present = values.filter(v => v !== undefined && v !== null && !Number.isNaN(v));
    if (!present.length) return '–';
    const lo = Math.min(...present), hi = Math.max(...present);
    return lo === hi ? fmt(lo, digits) : fmt(lo, digits) + '–' + fmt(hi, digits);
  }

  /** A node's heading row in a large cohort's table: its peers, their statuses and ranges; a click folds it. */
  function nodeRow(node, rows, collapsed) {
    const tr = document.createElement('tr');
    tr.className = 'node-group';
    tr.dataset.node = node;
    tr.dataset.collapsed = String(collapsed);
    const statuses = {};
    rows.forEach(r => { statuses[r.status] = (statuses[r.status] || 0) + 1; });
    const td = document.createElement('td');
    td.colSpan = COLUMNS.length;
    td.textContent = (collapsed ? '▸ ' : '▾ ') + (node || 'no node yet') + ' · ' + rows.length + ' peer'
      + (rows.length === 1 ? '' : 's') + ' · ' + Object.entries(statuses).map(([k, n]) => n + ' ' + k).join(', ')
      + ' · val acc ' + range(rows.map(r => r.val_accuracy), 4) + ' · steps/s ' + range(rows.map(r => r.steps_per_second), 1);
    tr.appendChild(td);
    tr.addEventListener('click', () => { view.collapsed.set(node, !collapsed); renderPeers(); });
    return tr;
  }

  function renderPeers() {
    const table = $('peers');
    [...table.tHead.rows[0].cells].forEach((th, i) => {
      th.dataset.sort = COLUMNS[i];
      th.classList.toggle('sorted', view.sort === COLUMNS[i]);
      th.setAttribute('aria-sort', view.sort !== COLUMNS[i] ? 'none' : view.descending ? 'descending' : 'ascending');
    });
    const body = table.tBodies[0];
    body.replaceChildren();
    const rows = sortedRows();
    const nodes = [...new Set(rows.map(nodeOf))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (!large() || nodes.length < 2) {
      rows.forEach(r => body.appendChild(peerRow(r)));
      return;
    }
    for (const node of nodes) {
      const own = rows.filter(r => nodeOf(r) === node);
      const collapsed = view.collapsed.has(node) ? view.collapsed.get(node) : state.peers.size > COLLAPSE_ABOVE;
      body.appendChild(nodeRow(node, own, collapsed));
      if (!collapsed) own.forEach(r => body.appendChild(peerRow(r)));
    }
  }

  function sortBy(key) {
    view.descending = view.sort === key ? !view.descending : false;
    view.sort = key;
    renderPeers();
  }

  /** A peer of a large cohort shown on the charts, or no longer. */
  function choose(peer) {
    const i = view.chosen.indexOf(peer);
    if (i >= 0) view.chosen.splice(i, 1); else view.chosen.push(peer);
    renderAll();
  }

  function renderMembers() {
    const body = $('members').tBodies[0];
    body.replaceChildren();
    for (const m of state.members) {
      const tr = document.createElement('tr');
      cell(tr, m.address + (m.leader ? ' (leader)' : ''));
      cell(tr, (m.roles || []).join(', '));
      cell(tr, m.status);
      cell(tr, m.reachable ? 'yes' : 'NO');
      body.appendChild(tr);
    }
  }

  function renderEvents() {
    const list = $('events');
    list.replaceChildren();
    for (let i = state.events.length - 1; i >= 0; i--) {
      const e = state.events[i];
      const li = document.createElement('li');
      li.dataset.event = e.event;
      const time = document.createElement('time');
      time.textContent = e.time ? new Date(e.time).toLocaleTimeString() : '';
      li.append(time, e.text);
      list.appendChild(li);
    }
  }

  function el(parent, name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  // One uPlot per chart, made again only when its curves change (a peer joins); new points go in
  // with setData, which keeps the user's zoom and hidden curves.
  const charts = new Map();

  /** Every curve on the union of their steps, null where a curve has no point (uPlot's aligned data). */
  function aligned(lines, logScale) {
    const steps = [...new Set(lines.flatMap(l => l.points.map(p => p[0])))].sort((a, b) => a - b);
    const at = new Map(steps.map((step, i) => [step, i]));
    return [steps, ...lines.map(l => {
      const values = new Array(steps.length).fill(null);
      for (const [step, value] of l.points) {
        values[at.get(step)] = logScale && !(value > 0) ? null : value;
      }
      return values;
    })];
  }

  function lineChart(container, lines, xLabel, yLabel, logScale) {
    container.dataset.points = String(lines.reduce((n, l) => n + l.points.length, 0));
    const data = aligned(lines, logScale);
    const key = lines.map(l => l.name + ':' + l.color).join('|');
    const high = lines.findIndex(l => l.band === 'high'), low = lines.findIndex(l => l.band === 'low');
    let chart = charts.get(container.id);
    if (chart && chart.key !== key) {
      chart.plot.destroy();
      chart = null;
    }
    if (!chart) {
      chart = { key, zoomed: false, updating: true };
      const options = {
        width: Math.max(300, container.clientWidth || 520),
        height: 240,
        scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
        axes: [{ label: xLabel }, { label: yLabel }],
        series: [{ label: xLabel }, ...lines.map(l => ({
          label: l.name, stroke: l.color, width: l.thin ? 1 : 1.6, spanGaps: true,
          dash: l.dashed ? [5, 3] : undefined, points: { show: !!l.dots, size: 5 },
        }))],
        bands: high >= 0 && low >= 0 ? [{ series: [high + 1, low + 1], fill: 'rgba(37, 99, 235, 0.15)' }] : [],
        cursor: { drag: { x: true, y: false } },
        hooks: {
          // A zoom is the user's: new points must not undo it (a double-click shows everything again).
          setScale: [(u, scale) => {
            if (scale !== 'x' || chart.updating) return;
            const steps = u.data[0];
            chart.zoomed = steps.length > 1 && (u.scales.x.min > steps[0] || u.scales.x.max < steps[steps.length - 1]);
            container.dataset.zoomed = String(chart.zoomed);
          }],
        },
      };
      chart.plot = new uPlot(options, data, container);
      container.dataset.bands = String(options.bands.length);
      charts.set(container.id, chart);
      container.dataset.zoomed = 'false';
      chart.updating = false;
      return;
    }
    chart.updating = true;
    chart.plot.setData(data, !chart.zoomed);
    chart.updating = false;
  }

  function fitCharts() {
    for (const [id, chart] of charts) {
      const width = document.getElementById(id).clientWidth;
      if (width > 0) chart.plot.setSize({ width: Math.max(300, width), height: 240 });
    }
  }

  function heatMap(svg, matrix, names, diagonal, lowIsGood) {
    svg.replaceChildren();
    if (!matrix || !names.length || !Object.keys(matrix).length) {
      el(svg, 'text', { x: 180, y: 150, 'text-anchor': 'middle' }, 'after the first epoch');
      return;
    }
    const present = names.filter(n => matrix[n]);
    const n = present.length, L = 70, T = 20, size = Math.min(40, 260 / Math.max(1, n));
    const values = present.flatMap(a => present.filter(b => b !== a).map(b => matrix[a][b])).filter(v => v !== undefined);
    const lo = Math.min(...values), hi = Math.max(...values);
    const every = Math.ceil(11 / size); // names no closer than a line of text: every one, or every k-th
    present.forEach((a, i) => {
      if (i % every === 0) {
        el(svg, 'text', { x: L - 4, y: T + i * size + size / 2 + 4, 'text-anchor': 'end' }, a);
        if (every === 1) el(svg, 'text', { x: L + i * size + size / 2, y: T - 6, 'text-anchor': 'middle' }, a.length > 8 ? a.slice(0, 7) + '…' : a);
      }
      present.forEach((b, j) => {
        const v = a === b ? diagonal : matrix[a][b];
        let t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        if (lowIsGood) t = 1 - t;
        const fill = a === b ? '#e5e7eb' : `hsl(${Math.round(10 + 110 * t)}, 70%, ${Math.round(80 - 25 * t)}%)`;
        const rect = el(svg, 'rect', { x: L + j * size, y: T + i * size, width: Math.max(1, size - 1),
          height: Math.max(1, size - 1), fill, 'data-value': v });
        el(rect, 'title', {}, a + ' → ' + b + ': ' + (a === b ? '' : Number(v).toFixed(4)));
        if (size >= 30) {
          el(svg, 'text', { x: L + j * size + size / 2, y: T + i * size + size / 2 + 4, 'text-anchor': 'middle' },
            a === b ? '' : (lowIsGood ? v.toFixed(3) : v.toFixed(2)));
        }
      });
    });
  }

  // ---- live connection and controls ----------------------------------------------------------

  async function fetchSnapshot() {
    const response = await fetch('api/cohort');
    const snapshot = await response.json();
    load(snapshot);
    return snapshot;
  }

  function connect(after) {
    const source = new EventSource('api/events?after=' + after);
    source.onopen = () => { $('connection').textContent = 'live'; $('connection').className = 'pill live'; };
    source.onerror = () => {
      $('connection').textContent = source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting';
      $('connection').className = 'pill off';
    };
    source.onmessage = message => apply(JSON.parse(message.data));
  }

  async function control(path, body) {
    const token = $('token').value.trim();
    sessionStorage.setItem('cohort-token', token);
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const response = await fetch(path, { method: 'POST', headers, body: body ? JSON.stringify(body) : '' });
    const answer = await response.json().catch(() => ({}));
    return { status: response.status, answer };
  }

  function say(text) { $('control-status').textContent = text; }

  async function extractNow() {
    const { status, answer } = await control('api/extract', {});
    if (status !== 202) { say('extract: ' + status + ' ' + (answer.error || '')); return; }
    say('extracting from the latest checkpoints…');
    for (;;) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      const job = await (await fetch(answer.href.replace(/^\//, ''))).json();
      if (job.status === 'done') {
        say(`extracted ${job.peer}: val acc ${fmt(job.val_accuracy, 4)}, test acc ${fmt(job.test_accuracy, 4)} → ${job.model}`);
        return;
      }
      if (job.status === 'failed') { say('extraction failed: ' + job.error); return; }
    }
  }

  async function stopRun() {
    if (!window.confirm('Stop the run? Every peer stops; its checkpoints are kept.')) return;
    const { status, answer } = await control('api/stop');
    say(status === 202 ? 'stopping the run' : 'stop: ' + status + ' ' + (answer.error || ''));
  }

  async function start() {
    window.addEventListener('resize', fitCharts);
    [...$('peers').tHead.rows[0].cells].forEach((th, i) => {
      if (!th.title) th.title = 'sort by this column (again: the other way)';
      th.addEventListener('click', () => sortBy(COLUMNS[i]));
    });
    if (window.COHORT_SNAPSHOT) {
      document.body.classList.add('static');
      $('connection').textContent = 'report';
      load(window.COHORT_SNAPSHOT);
      return;
    }
    $('token').value = sessionStorage.getItem('cohort-token') || '';
    $('extract-button').addEventListener('click', () => extractNow().catch(e => say('extract: ' + e)));
    $('stop-button').addEventListener('click', () => stopRun().catch(e => say('stop: ' + e)));
    const snapshot = await fetchSnapshot();
    connect(snapshot.last_event_id || 0);
    setInterval(renderPeers, 5000); // "last seen" ages between updates
  }

  start().catch(error => { $('phase').textContent = 'cannot load the run: ' + error; });
})();
