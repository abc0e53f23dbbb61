// Turns the evaluation report (report.json from the sparsity sweep) into tables
// and chart series. The report is produced by another component and may evolve,
// so everything here is defensive: anything unrecognised yields a raw view.
//
// Two layouts are understood:
//  - nested (what the evaluation sweep writes): {config, levels:[{fraction, train_ratings, ...,
//    results:{<instance>:{metrics:{"recall@20":{mean,lo,hi}}, coverage:{"coverage@20": x}}}}]}
//  - flat: {config, levels:[1, 0.5], results:[{level, plugin, metrics:{"recall@20":{mean,ci_low,ci_high}}}]}

export interface Cell {
  mean: number;
  ciLow: number | null;
  ciHigh: number | null;
}

export type Level = number | string;

export interface StructuredReport {
  kind: 'structured';
  levels: Level[];
  sources: string[];
  metrics: string[];
  /** cells[source][metric][String(level)] */
  cells: Record<string, Record<string, Record<string, Cell>>>;
  config: unknown;
  /** Top-level fields other than config/levels/results (dataset, timing, ...). */
  extras: Record<string, unknown>;
  /** Per-level numbers besides results (train_ratings, users_evaluated, ...); nested layout only. */
  levelInfo: { level: Level; fields: Record<string, number> }[];
}

export interface RawReport {
  kind: 'raw';
  value: unknown;
}

export type ParsedReport = StructuredReport | RawReport;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

const LEVEL_KEYS = ['fraction', 'keep', 'level', 'value', 'sparsity', 'name', 'label'];

/** A level as a number when it is numeric (0.5, "0.5", {fraction: 0.5}), else as text. */
export function levelValue(v: unknown): Level | null {
  const n = num(v);
  if (n !== null) return n;
  if (typeof v === 'string' && v) return v;
  if (isObj(v)) {
    for (const key of LEVEL_KEYS) {
      if (key in v) {
        const inner = levelValue(v[key]);
        if (inner !== null) return inner;
      }
    }
  }
  return null;
}

/** {mean, ci_low, ci_high}, a bare number, or {value}; null otherwise. */
export function cellValue(v: unknown): Cell | null {
  const n = num(v);
  if (n !== null) return { mean: n, ciLow: null, ciHigh: null };
  if (!isObj(v)) return null;
  const mean = num(v.mean ?? v.value ?? v.avg);
  if (mean === null) return null;
  const lo = num(v.ci_low ?? v.lo ?? v.low ?? (Array.isArray(v.ci) ? v.ci[0] : undefined));
  const hi = num(v.ci_high ?? v.hi ?? v.high ?? (Array.isArray(v.ci) ? v.ci[1] : undefined));
  return { mean, ciLow: lo, ciHigh: hi };
}

const SOURCE_KEYS = ['plugin', 'source', 'instance', 'model', 'name'];
const RESERVED = new Set(['level', 'levels', 'metrics', ...SOURCE_KEYS]);

function sourceOf(r: Obj): string | null {
  for (const key of SOURCE_KEYS) {
    const v = r[key];
    if (typeof v === 'string' && v) return v;
  }
  return null;
}

function metricsOf(r: Obj): [string, Cell][] {
  const out: [string, Cell][] = [];
  const m = r.metrics;
  if (isObj(m)) {
    for (const [name, v] of Object.entries(m)) {
      const c = cellValue(v);
      if (c) out.push([name, c]);
    }
  } else if (Array.isArray(m)) {
    for (const item of m) {
      if (isObj(item) && typeof item.name === 'string') {
        const c = cellValue(item);
        if (c) out.push([item.name, c]);
      }
    }
  } else {
    // Flat rows: {level, plugin, "recall@20": 0.1, ...}
    for (const [name, v] of Object.entries(r)) {
      if (RESERVED.has(name)) continue;
      const c = cellValue(v);
      if (c) out.push([name, c]);
    }
  }
  return out;
}

/** Recall and NDCG first (they are charted), then the rest alphabetically. */
export function metricRank(name: string): number {
  const n = name.toLowerCase();
  if (n.startsWith('recall')) return 0;
  if (n.startsWith('ndcg')) return 1;
  if (n.startsWith('precision')) return 2;
  return 3;
}

function compareMetrics(a: string, b: string): number {
  const k = (s: string) => num(s.split('@')[1]) ?? 0;
  return metricRank(a) - metricRank(b) || k(a) - k(b) || a.localeCompare(b);
}

/** Collects cells for both layouts, remembering first-seen order of sources and levels. */
class Collector {
  cells: StructuredReport['cells'] = {};
  levelSeen = new Map<string, Level>();
  sources: string[] = [];
  metrics = new Set<string>();

  add(level: Level, source: string, found: [string, Cell][]): void {
    if (found.length === 0) return;
    const lk = String(level);
    if (!this.levelSeen.has(lk)) this.levelSeen.set(lk, level);
    let bySource = this.cells[source];
    if (!bySource) {
      bySource = this.cells[source] = {};
      this.sources.push(source);
    }
    for (const [name, cell] of found) {
      this.metrics.add(name);
      (bySource[name] ??= {})[lk] = cell;
    }
  }
}

function extrasOf(raw: Obj): Obj {
  const extras: Obj = {};
  for (const [key, v] of Object.entries(raw))
    if (!['config', 'levels', 'results'].includes(key)) extras[key] = v;
  return extras;
}

function finish(
  raw: Obj,
  c: Collector,
  levels: Level[],
  levelInfo: StructuredReport['levelInfo'],
): ParsedReport {
  if (c.sources.length === 0) return { kind: 'raw', value: raw };
  return {
    kind: 'structured',
    levels,
    sources: c.sources,
    metrics: [...c.metrics].sort(compareMetrics),
    cells: c.cells,
    config: raw.config ?? null,
    extras: extrasOf(raw),
    levelInfo,
  };
}

/** levels:[{fraction, train_ratings, ..., results:{<instance>:{metrics, coverage}}}] */
function parseNested(raw: Obj, levelsIn: unknown[]): ParsedReport {
  const c = new Collector();
  const levelInfo: StructuredReport['levelInfo'] = [];
  for (const l of levelsIn) {
    if (!isObj(l) || !isObj(l.results)) continue;
    const level = levelValue(l);
    if (level === null) continue;
    for (const [source, cell] of Object.entries(l.results)) {
      if (!isObj(cell)) continue;
      const found = metricsOf(cell);
      // Coverage comes as plain numbers beside the metrics.
      if (isObj(cell.coverage)) {
        for (const [name, v] of Object.entries(cell.coverage)) {
          const cv = cellValue(v);
          if (cv) found.push([name, cv]);
        }
      }
      c.add(level, source, found);
    }
    if (
      c.levelSeen.has(String(level)) &&
      !levelInfo.some((i) => String(i.level) === String(level))
    ) {
      const fields: Record<string, number> = {};
      for (const [key, v] of Object.entries(l)) {
        const n = num(v);
        if (n !== null && !LEVEL_KEYS.includes(key)) fields[key] = n;
      }
      levelInfo.push({ level, fields });
    }
  }
  return finish(raw, c, [...c.levelSeen.values()], levelInfo);
}

/** results:[{level, plugin, metrics}] with levels:[...] as plain values. */
function parseFlat(raw: Obj, results: unknown[]): ParsedReport {
  const c = new Collector();
  for (const r of results) {
    if (!isObj(r)) continue;
    const level = levelValue(r.level ?? r.levels ?? r.fraction ?? r.sparsity);
    const source = sourceOf(r);
    if (level === null || source === null) continue;
    c.add(level, source, metricsOf(r));
  }
  // Keep the report's own level order when it lists them; otherwise numbers descending
  // (1.0 = all training data first, the sparsest last).
  let levels: Level[] = [];
  const have = (v: Level) => levels.some((x) => String(x) === String(v));
  if (Array.isArray(raw.levels)) {
    for (const l of raw.levels) {
      const v = levelValue(l);
      if (v !== null && c.levelSeen.has(String(v)) && !have(v)) levels.push(v);
    }
  }
  for (const v of c.levelSeen.values()) if (!have(v)) levels.push(v);
  if (!Array.isArray(raw.levels) && levels.every((l) => typeof l === 'number')) {
    levels = [...levels].sort((a, b) => (b as number) - (a as number));
  }
  return finish(raw, c, levels, []);
}

export function parseReport(raw: unknown): ParsedReport {
  if (!isObj(raw)) return { kind: 'raw', value: raw };
  if (Array.isArray(raw.levels) && raw.levels.some((l) => isObj(l) && isObj(l.results))) {
    return parseNested(raw, raw.levels);
  }
  if (Array.isArray(raw.results)) return parseFlat(raw, raw.results);
  return { kind: 'raw', value: raw };
}

/** The metrics to chart: recall@20 and ndcg@20, or else the first recall@k / ndcg@k present. */
export function chartMetrics(metrics: string[]): string[] {
  const out: string[] = [];
  for (const family of ['recall', 'ndcg']) {
    const exact = metrics.find((m) => m.toLowerCase() === `${family}@20`);
    const any = metrics.find((m) => m.toLowerCase().startsWith(family));
    const pick = exact ?? any;
    if (pick) out.push(pick);
  }
  return out;
}

export interface Series {
  source: string;
  points: { x: Level; mean: number; ciLow: number | null; ciHigh: number | null }[];
}

export function seriesFor(report: StructuredReport, metric: string): Series[] {
  return report.sources
    .map((source) => ({
      source,
      points: report.levels.flatMap((x) => {
        const c = report.cells[source]?.[metric]?.[String(x)];
        return c ? [{ x, mean: c.mean, ciLow: c.ciLow, ciHigh: c.ciHigh }] : [];
      }),
    }))
    .filter((s) => s.points.length > 0);
}

export function formatMetric(v: number): string {
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(3);
}

export function formatLevel(l: Level): string {
  return typeof l === 'number' && l > 0 && l <= 1 ? `${Math.round(l * 1000) / 10}%` : String(l);
}
