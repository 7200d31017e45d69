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

  function colorOf(peer) {
    const names = [...state.peers.keys()];
    const i = names.indexOf(peer);
    return COLORS[(i < 0 ? names.length : i) % COLORS.length];
  }

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
    lineChart($('chart-loss'), names.map(p => ({ name: p, color: colorOf(p), points: seriesOf(p).loss })), 'step', 'loss', true);
    const accuracy = names.map(p => ({ name: p, color: colorOf(p), points: seriesOf(p).val_accuracy, dots: true }));
    if (state.ensemble.length) accuracy.push({ name: 'ensemble', color: '#111827', points: state.ensemble, dashed: true, dots: true });
    lineChart($('chart-val-accuracy'), accuracy, 'step', 'accuracy');
    lineChart($('chart-val-loss'), names.map(p => ({ name: p, color: colorOf(p), points: seriesOf(p).val_loss, dots: true })),
      'step', 'cross-entropy');
    $('matrix-epoch').textContent = state.matrix.epoch ? '(epoch ' + state.matrix.epoch + ')' : '';
    heatMap($('heat-agreement'), state.matrix.agreement, names, 1, false);
    heatMap($('heat-kl'), state.matrix.kl, names, 0, true);
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

  function renderPeers() {
    const body = $('peers').tBodies[0];
    body.replaceChildren();
    for (const r of state.peers.values()) {
      const tr = document.createElement('tr');
      tr.dataset.peer = r.peer;
      tr.dataset.status = r.status;
      cell(tr, r.peer);
      cell(tr, r.status, 'status status-' + r.status);
      cell(tr, (r.node || '').replace(/^pekko:\/\/[^@]*@/, '') + (r.device && r.device !== 'cpu' ? ' ' + r.device : ''));
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
      body.appendChild(tr);
    }
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
          label: l.name, stroke: l.color, width: 1.6, spanGaps: true,
          dash: l.dashed ? [5, 3] : undefined, points: { show: !!l.dots, size: 5 },
        }))],
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
    present.forEach((a, i) => {
      el(svg, 'text', { x: L - 4, y: T + i * size + size / 2 + 4, 'text-anchor': 'end' }, a);
      el(svg, 'text', { x: L + i * size + size / 2, y: T - 6, 'text-anchor': 'middle' }, a.length > 8 ? a.slice(0, 7) + '…' : a);
      present.forEach((b, j) => {
        const v = a === b ? diagonal : matrix[a][b];
        let t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        if (lowIsGood) t = 1 - t;
        const fill = a === b ? '#e5e7eb' : `hsl(${Math.round(10 + 110 * t)}, 70%, ${Math.round(80 - 25 * t)}%)`;
        el(svg, 'rect', { x: L + j * size, y: T + i * size, width: size - 1, height: size - 1, fill, 'data-value': v });
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
