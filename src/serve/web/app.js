/* app.js — the workshop map of `bodnaarplot serve`.  Everything the server
 * sends is data; it reaches the page through textContent and element
 * properties only (never innerHTML), so no plot attribute or note can run
 * as code. */
'use strict';

(function () {
  // ---- token: from ?token=, then kept out of the address bar (projector) ----
  const qs = new URLSearchParams(location.search);
  const token = qs.get('token') || '';
  const noBasemap = qs.get('basemap') === '0';
  if (token) history.replaceState(null, '', location.pathname);

  // Same classes and colours as layers/candidates.qml (viridis, 5 classes by score).
  const CLASSES = [
    { label: 'Afgevallen', color: '#c8c8c8' },
    { label: 'score 0 – 20', color: '#440154', upper: 20 },
    { label: 'score 20 – 40', color: '#3b528b', upper: 40 },
    { label: 'score 40 – 60', color: '#21918c', upper: 60 },
    { label: 'score 60 – 80', color: '#5ec962', upper: 80 },
    { label: 'score 80 – 100', color: '#fde725', upper: Infinity },
  ];
  // Okabe-Ito, colour-blind safe, for the facility categories
  const OKABE = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#000000'];
  const BESLUIT = { open: 'open', kansrijk: 'kansrijk', gereserveerd: 'gereserveerd', afgevallen: 'afgevallen' };

  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const fmt = (v, d) => (v === null || v === undefined || Number.isNaN(v)) ? '—'
    : Number(v).toLocaleString('nl-NL', { maximumFractionDigits: d || 0, minimumFractionDigits: 0 });

  async function api(path, body) {
    const opts = { headers: {}, credentials: 'same-origin' };
    if (token) opts.headers['X-Token'] = token;
    if (body !== undefined) {
      opts.method = 'POST';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    const j = await r.json().catch(() => ({ error: 'geen JSON' }));
    if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
    return j;
  }

  const S = {
    meta: null, plots: null, n: 0,
    rank: null, score: null, cls: null,
    parties: [], party: 0,           // party 0 = de tafel (gedeeld)
    consensus: null, some: null,
    decisions: new Map(),            // plot index -> besluit
    program: null,                   // plot index -> [type, homes, reserved] when Programma is on
    programmed: null,                // gemeente code -> {type: homes}
    seq: 0, updates: 0, lastUpdateMs: null, lastServerMs: null,
    card: null,
  };
  window.bp = S;                     // for the browser test (S.map below)

  // ---- the map ---------------------------------------------------------------
  const map = L.map('map', { zoomAnimation: false, preferCanvas: true, keyboard: true });
  S.map = map;
  const pdok = L.tileLayer('https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png', {
    maxZoom: 19, attribution: 'Kaartgegevens © <a href="https://www.kadaster.nl">Kadaster</a> (PDOK)',
  });
  let basemapOn = navigator.onLine && !noBasemap;
  function setBasemap(on) {
    basemapOn = on;
    if (on) pdok.addTo(map); else map.removeLayer(pdok);
    $('basemap').textContent = 'Achtergrond: ' + (on ? 'aan' : 'uit');
  }

  // A canvas layer drawing every plot from typed arrays: one pass per colour.
  const PlotLayer = L.Layer.extend({
    onAdd(m) {
      this._c = L.DomUtil.create('canvas', 'plots-canvas');
      this._c.style.pointerEvents = 'none';
      // a pane of its own above the other layers: the plots are what the table discusses
      if (!m.getPane('plots')) m.createPane('plots').style.zIndex = 450;
      m.getPane('plots').appendChild(this._c);
      m.on('moveend zoomend resize viewreset', this.redraw, this);
      this.redraw();
    },
    onRemove(m) {
      m.off('moveend zoomend resize viewreset', this.redraw, this);
      this._c.remove();
    },
    redraw() {
      if (!this._map || !S.plots || !S.rank) return;
      const m = this._map, size = m.getSize(), dpr = window.devicePixelRatio || 1;
      const c = this._c;
      L.DomUtil.setPosition(c, m.containerPointToLayerPoint([0, 0]));
      c.width = size.x * dpr; c.height = size.y * dpr;
      c.style.width = size.x + 'px'; c.style.height = size.y + 'px';
      const ctx = c.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const z = m.getZoom(), sc = Math.pow(2, z), o = m.getPixelBounds().min;
      const P = S.plots, n = S.n, X = P.X, Y = P.Y;
      // screen positions, reused for hit tests
      const sx = this.sx || (this.sx = new Float32Array(n)), sy = this.sy || (this.sy = new Float32Array(n));
      const poly = z >= 15, h = z >= 14 ? 5 : z >= 12 ? 4 : 3;  // half the square's side
      const W = size.x, H = size.y, K = CLASSES.length;
      // counting sort of the visible plots by class: one pass, then one fill per class
      const vis = this.vis || (this.vis = new Int32Array(n)), cnt = new Int32Array(K + 1);
      let nv = 0;
      for (let i = 0; i < n; i++) {
        const x = X[i] * sc - o.x, y = Y[i] * sc - o.y;
        sx[i] = x; sy[i] = y;
        if (x < -50 || y < -50 || x > W + 50 || y > H + 50) continue;
        vis[nv++] = i; cnt[S.cls[i] + 1]++;
      }
      for (let k = 0; k < K; k++) cnt[k + 1] += cnt[k];
      const bykl = this.bykl || (this.bykl = new Int32Array(n)), pos = cnt.slice(0, K);
      for (let q = 0; q < nv; q++) { const i = vis[q]; bykl[pos[S.cls[i]]++] = i; }
      for (let k = 0; k < K; k++) {
        ctx.fillStyle = CLASSES[k].color;
        if (!poly) {
          for (let q = cnt[k]; q < cnt[k + 1]; q++) { const i = bykl[q]; ctx.fillRect(sx[i] - h, sy[i] - h, 2 * h, 2 * h); }
          continue;
        }
        ctx.beginPath();
        for (let q = cnt[k]; q < cnt[k + 1]; q++) {
          const i = bykl[q];
          if (P.off[i + 1] > P.off[i]) {
            for (let v = P.off[i]; v < P.off[i + 1]; v++) {
              const vx = P.RX[v] * sc - o.x, vy = P.RY[v] * sc - o.y;
              if (v === P.off[i]) ctx.moveTo(vx, vy); else ctx.lineTo(vx, vy);
            }
            ctx.closePath();
          } else ctx.rect(sx[i] - 2.5, sy[i] - 2.5, 5, 5);
        }
        ctx.fill();
        ctx.strokeStyle = '#222'; ctx.lineWidth = 1; ctx.stroke();
      }
      // consensus: a magenta ring; decisions: a black/white square frame
      if (S.consensus) {
        ctx.beginPath();
        for (const i of S.consensus) { ctx.moveTo(sx[i] + 9, sy[i]); ctx.arc(sx[i], sy[i], 9, 0, 2 * Math.PI); }
        ctx.lineWidth = 4; ctx.strokeStyle = '#ff4fd8'; ctx.stroke();
      }
      if (S.program) {
        ctx.lineWidth = 4; ctx.strokeStyle = '#0072B2';
        for (const [i] of S.program) ctx.strokeRect(sx[i] - 11, sy[i] - 11, 22, 22);
      }
      for (const [i, b] of S.decisions) {
        if (b === 'open') continue;
        ctx.lineWidth = 3; ctx.strokeStyle = b === 'afgevallen' ? '#d00' : '#000';
        ctx.strokeRect(sx[i] - 7, sy[i] - 7, 14, 14);
      }
      // rank labels for the top 10
      ctx.font = 'bold 18px "DejaVu Sans", sans-serif';
      ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
      for (let r = 1; r <= 10; r++) {
        const i = S.byRank[r];
        if (i === undefined) continue;
        ctx.lineWidth = 4; ctx.strokeStyle = '#fff'; ctx.strokeText(String(r), sx[i], sy[i] - 5);
        ctx.fillStyle = '#000'; ctx.fillText(String(r), sx[i], sy[i] - 5);
      }
    },
    hit(pt) {
      if (!this.sx) return -1;
      let best = -1, bd = 12 * 12;
      for (let i = 0; i < S.n; i++) {
        const dx = this.sx[i] - pt.x, dy = this.sy[i] - pt.y, d = dx * dx + dy * dy;
        if (d < bd) { bd = d; best = i; }
      }
      if (best >= 0 || map.getZoom() < 15) return best;
      return best;
    },
  });
  const plotLayer = new PlotLayer();

  function classOf(rank, score) {
    if (rank === 0) return 0;
    for (let k = 1; k < CLASSES.length; k++) if (score <= CLASSES[k].upper) return k;
    return CLASSES.length - 1;
  }

  // ---- plots, ranking, table --------------------------------------------------
  function loadPlots(j) {
    const n = j.n, P = { ids: j.ids, X: new Float64Array(n), Y: new Float64Array(n), off: j.off };
    const total = j.ring.length / 2, RX = new Float64Array(total), RY = new Float64Array(total);
    const proj = (lon, lat) => map.options.crs.project(L.latLng(lat, lon)); // metres, EPSG:3857
    // zoom-0 pixels: 256 / (2 pi R) per metre
    const k0 = 256 / (2 * Math.PI * 6378137), half = 128;
    for (let i = 0; i < n; i++) {
      const lon = j.pt[2 * i] / 1e6, lat = j.pt[2 * i + 1] / 1e6, p = proj(lon, lat);
      P.X[i] = half + p.x * k0; P.Y[i] = half - p.y * k0;
      for (let v = j.off[i]; v < j.off[i + 1]; v++) {
        const q = proj(lon + j.ring[2 * v] / 1e6, lat + j.ring[2 * v + 1] / 1e6);
        RX[v] = half + q.x * k0; RY[v] = half - q.y * k0;
      }
    }
    P.RX = RX; P.RY = RY;
    S.plots = P; S.n = n;
    S.cls = new Uint8Array(n);
  }

  function applyRanking(j) {
    const sc = new Float64Array(S.n);
    for (let i = 0; i < S.n; i++) sc[i] = j.score100[i] / 100;
    S.rank = j.rank; S.score = sc;
    S.byRank = [];
    for (let i = 0; i < S.n; i++) {
      S.cls[i] = classOf(j.rank[i], sc[i]);
      if (j.rank[i] > 0 && j.rank[i] <= 1000) S.byRank[j.rank[i]] = i;
    }
    S.decisions = new Map(j.decided || []);
    plotLayer.redraw();
    renderTable();
  }

  function renderTable() {
    const tb = $('top').tBodies[0];
    tb.replaceChildren();
    const nrows = Math.min(Number($('topn').value) || 10, 30);
    for (let r = 1; r <= nrows; r++) {
      const i = S.byRank[r];
      if (i === undefined) break;
      const tr = el('tr');
      tr.tabIndex = 0;
      tr.dataset.plot = String(i);
      tr.append(el('td', r, 'num'), el('td', S.plots.ids[i]), el('td', fmt(S.score[i], 2), 'num'),
        el('td', S.decisions.get(i) || ''));
      tr.addEventListener('click', () => openCard(i, true));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openCard(i, true); } });
      tb.append(tr);
    }
  }

  function currentParams() {
    const p = S.parties[S.party];
    return { profile: $('profile').value, gap_weight: p.gap_weight, weights: Object.assign({}, p.weights) };
  }

  async function rerank(t0) {
    const seq = ++S.seq;
    const t = t0 === undefined ? performance.now() : t0;
    try {
      const j = await api('/api/rerank', currentParams());
      if (seq !== S.seq) return;          // a newer request is under way
      applyRanking(j);
      S.lastServerMs = j.ms;
      // the update is on screen at the next frame
      await new Promise((res) => requestAnimationFrame(() => res()));
      S.lastUpdateMs = performance.now() - t;
      S.doneSeq = seq;
      S.updates++;
      $('status').textContent = 'Nieuwe rangorde in ' + Math.round(S.lastUpdateMs) + ' ms (server ' + fmt(j.ms, 0) + ' ms)';
      if ($('consensus').checked) updateConsensus();
      if ($('programma').checked) updateProgram();
      if (S.card !== null) openCard(S.card, false);
    } catch (e) {
      $('status').textContent = 'Fout: ' + e.message;
    }
  }

  async function updateConsensus() {
    if (!$('consensus').checked || S.parties.length < 2) { S.consensus = null; plotLayer.redraw(); return; }
    const profile = $('profile').value;
    const parties = S.parties.slice(1).map((p) => ({ profile, gap_weight: p.gap_weight, weights: p.weights }));
    try {
      const j = await api('/api/consensus', { n: Number($('topn').value) || 10, parties });
      S.consensus = j.consensus;
      plotLayer.redraw();
      $('status').textContent = j.consensus.length + ' kavels staan bij alle ' + parties.length +
        ' partijen in de top ' + j.n;
    } catch (e) { $('status').textContent = 'Fout: ' + e.message; }
  }

  async function updateProgram() {
    if (!$('programma').checked) { S.program = null; S.programmed = null; plotLayer.redraw(); buildGemeenten(); return; }
    try {
      const j = await api('/api/program', currentParams());
      S.program = new Map(j.plots.map((p) => [p[0], p.slice(1)]));
      S.programmed = new Map(j.gemeenten.map((g) => [g.code, g]));
      plotLayer.redraw();
      buildGemeenten();
      let homes = 0;
      for (const [, p] of S.program) homes += p[1] || 0;
      $('status').textContent = 'Programma: ' + S.program.size + ' kavels, ' + fmt(homes) + ' woningen';
    } catch (e) { $('status').textContent = 'Fout: ' + e.message; }
  }

  // ---- the panel -------------------------------------------------------------
  function buildSliders() {
    const box = $('sliders');
    box.replaceChildren();
    const p = S.parties[S.party];
    S.meta.categories.forEach((cat) => {
      const d = el('div', null, 'slider');
      const id = 'w_' + cat;
      const lab = el('label', cat); lab.htmlFor = id;
      const inp = el('input'); inp.type = 'range'; inp.min = '0'; inp.max = '10'; inp.step = '0.5'; inp.id = id;
      inp.value = String(p.weights[cat]);
      inp.dataset.category = cat;
      const out = el('output', fmt(p.weights[cat], 1));
      inp.addEventListener('input', () => {
        const t0 = performance.now();
        p.weights[cat] = Number(inp.value);
        out.textContent = fmt(p.weights[cat], 1);
        scheduleRerank(t0);
      });
      d.append(lab, inp, out);
      box.append(d);
    });
    $('gap_weight').value = String(p.gap_weight);
    $('gap_weight_out').textContent = fmt(p.gap_weight, 2);
  }

  let timer = null, pendingT0 = null;
  function scheduleRerank(t0) {
    if (pendingT0 === null) pendingT0 = t0;
    clearTimeout(timer);
    timer = setTimeout(() => { const t = pendingT0; pendingT0 = null; rerank(t); }, 40);
  }

  function buildParties() {
    const prof = S.meta.profile;
    const base = S.meta.weights[prof];
    const mk = (name, w, g) => ({ name, weights: Object.assign({}, base, w || {}), gap_weight: g === undefined ? S.meta.gap_weight : g });
    S.parties = [mk('de tafel')];
    const given = S.meta.parties.length ? S.meta.parties
      : [{ name: 'gemeente' }, { name: 'corporatie' }, { name: 'zorgorganisatie' }];
    given.forEach((p) => S.parties.push(mk(p.name, p.weights, p.gap_weight)));
    const sel = $('party');
    sel.replaceChildren();
    S.parties.forEach((p, k) => { const o = el('option', p.name); o.value = String(k); sel.append(o); });
  }

  function buildLegend() {
    const ul = $('legend');
    CLASSES.slice(1).reverse().concat([CLASSES[0]]).forEach((c) => {
      const li = el('li'); const sw = el('span', null, 'swatch'); sw.style.background = c.color;
      li.append(sw, el('span', c.label)); ul.append(li);
    });
    const li = el('li'); li.append(el('span', null, 'swatch ring'), el('span', 'consensus van alle partijen'));
    ul.append(li);
    const li2 = el('li'); const sq = el('span', null, 'swatch'); sq.style.background = 'transparent'; sq.style.border = '3px solid #fff';
    li2.append(sq, el('span', 'besluit genomen (rood: afgevallen)')); ul.append(li2);
    const li3 = el('li'); const pq = el('span', null, 'swatch'); pq.style.background = 'transparent'; pq.style.border = '4px solid #0072B2';
    li3.append(pq, el('span', 'in het programma')); ul.append(li3);
  }

  async function buildGemeenten() {
    try {
      const j = await api('/api/gemeenten');
      const box = $('gemeenten');
      box.replaceChildren();
      const t = $('profile').value;
      let max = 1;
      j.gemeenten.forEach((g) => { if (g[t].opgave > max) max = g[t].opgave; });
      j.gemeenten.forEach((g) => {
        const f = g[t], d = el('div', null, 'bar');
        f.programmed = S.programmed && S.programmed.has(g.code) ? S.programmed.get(g.code)[t] : null;
        d.append(el('div', g.name || g.code));
        const tr = el('div', null, 'track');
        tr.style.width = Math.max(4, 100 * (f.opgave || 0) / max) + '%';
        const plans = el('div', null, 'fill plans');
        const done = (f.plannen || 0) + (f.gerealiseerd || 0);
        plans.style.width = Math.min(100, f.opgave ? 100 * done / f.opgave : 0) + '%';
        tr.append(plans);
        if (f.programmed) {
          const pr = el('div', null, 'fill prog');
          pr.style.left = plans.style.width;
          pr.style.width = Math.min(100, f.opgave ? 100 * f.programmed / f.opgave : 0) + '%';
          tr.append(pr);
        }
        d.append(tr, el('small', 'opgave ' + fmt(f.opgave) + ', plannen ' + fmt(done) + ', tekort ' + fmt(f.gap) +
          (f.programmed !== null && f.programmed !== undefined ? ', geprogrammeerd ' + fmt(f.programmed) : '')));
        box.append(d);
      });
    } catch (e) { $('gemeenten').textContent = 'Fout: ' + e.message; }
  }

  // ---- the plot card ---------------------------------------------------------
  async function openCard(i, pan, fill) {
    S.card = i;
    if (pan) map.panTo(L.latLng(S.meta_pt(i)));
    let j;
    try {
      j = await api('/api/plot', Object.assign({ plot: i, n: Number($('topn').value) || 10 }, currentParams()));
    } catch (e) { $('status').textContent = 'Fout: ' + e.message; return; }
    if (S.card !== i) return;
    const card = $('card');
    $('card_title').textContent = 'Kavel ' + j.id;
    $('card_summary').textContent = (j.gemeente_naam || j.gemeente || 'geen gemeente') + ' · ' +
      (j.knocked_out ? 'afgevallen' : 'rang ' + j.rank) + ' · score ' + fmt(j.score, 2) +
      ' · ' + fmt(j.capacity) + ' woningen mogelijk';
    $('card_reason').textContent = j.reason ? 'Waarom: ' + j.reason : '';
    $('card_dist').textContent = 'Afstand (' + j.distance_kind + ')';
    const tb = $('card_criteria').tBodies[0];
    tb.replaceChildren();
    j.criteria.forEach((c) => {
      const st = c.stable === null ? (j.knocked_out ? '—' : 'buiten de top ' + j.topn)
        : fmt(c.stable[0], 2) + ' – ' + (c.stable[1] === null ? '∞' : fmt(c.stable[1], 2));
      tb.append(Object.assign(el('tr'), {}));
      const tr = tb.lastChild;
      tr.append(el('td', c.category), el('td', c.distance_m === null ? 'onbereikbaar' : fmt(c.distance_m) + ' m', 'num'),
        el('td', fmt(c.score, 0), 'num'), el('td', fmt(c.weight, 1), 'num'), el('td', st));
    });
    $('card_gap').textContent = j.gap_weight_stable
      ? 'Gewicht tekort: blijft in de top ' + j.topn + ' tussen ' + fmt(j.gap_weight_stable[0], 2) + ' en ' + fmt(j.gap_weight_stable[1], 2)
      : '';
    const dl = $('card_attributes');
    dl.replaceChildren();
    Object.keys(j.attributes || {}).forEach((k) => dl.append(el('dt', k), el('dd', j.attributes[k])));
    const f = $('decision'), d = j.decision || {};
    const refresh = f.dataset.plot === String(i) && !card.hidden && !fill;
    if (!refresh) fillForm(f, i, d);
    card.hidden = false;
  }

  // the form is filled when a plot's card opens or its decision is saved,
  // not when a re-rank refreshes the card (the table may be typing)
  function fillForm(f, i, d) {
    f.dataset.plot = String(i);
    f.elements.besluit.value = d.besluit || 'open';
    f.elements.woningtype.value = d.woningtype || '';
    f.elements.woningen.value = d.woningen === null || d.woningen === undefined ? '' : String(d.woningen);
    f.elements.partner_corporatie.value = d.partner_corporatie || '';
    f.elements.partner_zorg.value = d.partner_zorg || '';
    f.elements.opmerking.value = d.opmerking || '';
    $('decision_status').textContent = '';
  }

  async function saveDecision(e) {
    e.preventDefault();
    const f = $('decision'), i = Number(f.dataset.plot);
    const body = { plot: i };
    ['besluit', 'woningtype', 'partner_corporatie', 'partner_zorg', 'opmerking'].forEach((k) => { body[k] = f.elements[k].value; });
    body.woningen = f.elements.woningen.value === '' ? '' : f.elements.woningen.value;
    try {
      await api('/api/decision', body);
      S.decisions.set(i, body.besluit);
      window.bpSaved = (window.bpSaved || 0) + 1;
      await rerank();   // a dropped plot is knocked out: new ranks
      await openCard(i, false, true);
      $('decision_status').textContent = 'Opgeslagen';
    } catch (err) { $('decision_status').textContent = 'Niet opgeslagen: ' + err.message; }
  }

  // ---- the other layers -------------------------------------------------------
  async function loadLayers() {
    const m = S.meta.layers, renderer = L.canvas({ padding: 0.2 });
    if (m.gemeente_gap) {
      const j = await api('/api/layer/gemeente_gap');
      const t = S.meta.profile;
      L.geoJSON(j, {
        style: () => ({ color: '#000', weight: 3, fill: false }),
        onEachFeature: (f, lyr) => {
          const p = f.properties, share = p['gap_share_' + t];
          lyr.bindTooltip(document.createTextNode((p.gemeente_naam || p.gemeente_code || '') +
            (share === null || share === undefined ? '' : ' — tekort ' + Math.round(share * 100) + '%')),
          { className: 'gm-label', sticky: true });
        },
      }).addTo(map);
    }
    if (m.walk_network) {
      const j = await api('/api/layer/walk_network');
      L.geoJSON(j, { renderer, interactive: false, style: () => ({ color: '#777', weight: 1 }) }).addTo(map);
    }
    if (m.facilities) {
      const j = await api('/api/layer/facilities');
      const cats = S.meta.categories;
      L.geoJSON(j, {
        pointToLayer: (f, ll) => L.circleMarker(ll, {
          renderer, radius: 3, weight: 1, color: '#fff', fillOpacity: 1,
          fillColor: OKABE[Math.max(0, cats.indexOf(f.properties.category)) % OKABE.length],
        }),
        onEachFeature: (f, lyr) => lyr.bindTooltip(document.createTextNode(
          (f.properties.category || '') + (f.properties.name ? ': ' + f.properties.name : ''))),
      }).addTo(map);
    }
  }

  // ---- start -----------------------------------------------------------------
  async function start() {
    S.meta = await api('/api/meta');
    const b = S.meta.bbox;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    setBasemap(basemapOn);
    $('profile').value = S.meta.profile;
    buildParties();
    buildSliders();
    buildLegend();
    const pj = await api('/api/plots');
    loadPlots(pj);
    S.meta_pt = (i) => [pj.pt[2 * i + 1] / 1e6, pj.pt[2 * i] / 1e6];
    plotLayer.addTo(map);
    await rerank();
    buildGemeenten();
    loadLayers().catch((e) => { $('status').textContent = 'Fout: ' + e.message; });

    $('party').addEventListener('change', () => { S.party = Number($('party').value); buildSliders(); rerank(); });
    $('profile').addEventListener('change', () => {
      const w = S.meta.weights[$('profile').value];
      S.parties.forEach((p) => { p.weights = Object.assign({}, w); });
      buildSliders(); rerank(); buildGemeenten();
    });
    $('gap_weight').addEventListener('input', () => {
      const t0 = performance.now();
      S.parties[S.party].gap_weight = Number($('gap_weight').value);
      $('gap_weight_out').textContent = fmt(S.parties[S.party].gap_weight, 2);
      scheduleRerank(t0);
    });
    $('topn').addEventListener('change', () => { renderTable(); updateConsensus(); });
    $('consensus').addEventListener('change', updateConsensus);
    $('programma').addEventListener('change', updateProgram);
    $('fullscreen').addEventListener('click', toggleFullscreen);
    $('basemap').addEventListener('click', () => setBasemap(!basemapOn));
    $('card_close').addEventListener('click', closeCard);
    $('decision').addEventListener('submit', saveDecision);
    map.on('click', (e) => {
      const i = plotLayer.hit(map.latLngToContainerPoint(e.latlng));
      if (i >= 0) openCard(i, false);
    });
    document.addEventListener('keydown', (e) => {
      const typing = /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName) && document.activeElement.type !== 'range';
      if (e.key === 'Escape') closeCard();
      else if (!typing && (e.key === 'f' || e.key === 'F')) toggleFullscreen();
      else if (!typing && (e.key === 'b' || e.key === 'B')) setBasemap(!basemapOn);
    });
    window.bpReady = true;
  }
  function closeCard() { S.card = null; $('card').hidden = true; }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  }
  start().catch((e) => { $('status').textContent = 'Fout bij starten: ' + e.message; window.bpError = e.stack || e.message; });
})();
