import { describe, expect, it } from 'vitest';
import {
  cellValue,
  chartMetrics,
  levelValue,
  parseReport,
  seriesFor,
  type StructuredReport,
} from './parseReport';

const m = (mean: number, lo?: number, hi?: number) => ({
  mean,
  ci_low: lo ?? mean - 0.01,
  ci_high: hi ?? mean + 0.01,
});

const REPORT = {
  config: { k: [10, 20], seed: 7 },
  levels: [1.0, 0.5, 0.1],
  results: [
    {
      level: 1.0,
      plugin: 'lightgcn',
      metrics: { 'recall@20': m(0.3), 'ndcg@20': m(0.2), 'recall@10': m(0.2) },
    },
    { level: 0.5, plugin: 'lightgcn', metrics: { 'recall@20': m(0.25), 'ndcg@20': m(0.15) } },
    { level: 0.1, plugin: 'lightgcn', metrics: { 'recall@20': m(0.1), 'ndcg@20': m(0.05) } },
    {
      level: 1.0,
      plugin: 'popularity',
      metrics: { 'recall@20': m(0.12), 'ndcg@20': m(0.08), coverage: 0.04 },
    },
    { level: 0.1, plugin: 'popularity', metrics: { 'recall@20': m(0.11), 'ndcg@20': m(0.07) } },
  ],
  dataset: 'ml-latest-small',
};

describe('parseReport', () => {
  it('reads levels, sources and metrics from the documented shape', () => {
    const r = parseReport(REPORT) as StructuredReport;
    expect(r.kind).toBe('structured');
    expect(r.levels).toEqual([1, 0.5, 0.1]);
    expect(r.sources).toEqual(['lightgcn', 'popularity']);
    expect(r.metrics).toEqual(['recall@10', 'recall@20', 'ndcg@20', 'coverage']);
    expect(r.cells.lightgcn!['recall@20']!['0.5']).toEqual({
      mean: 0.25,
      ciLow: 0.24,
      ciHigh: 0.26,
    });
    expect(r.cells.popularity!.coverage!['1']).toEqual({ mean: 0.04, ciLow: null, ciHigh: null });
    expect(r.config).toEqual({ k: [10, 20], seed: 7 });
    expect(r.extras).toEqual({ dataset: 'ml-latest-small' });
  });

  it('builds chart series per source, skipping missing levels', () => {
    const r = parseReport(REPORT) as StructuredReport;
    expect(chartMetrics(r.metrics)).toEqual(['recall@20', 'ndcg@20']);
    const series = seriesFor(r, 'recall@20');
    expect(series.map((s) => s.source)).toEqual(['lightgcn', 'popularity']);
    expect(series[0]!.points.map((p) => [p.x, p.mean])).toEqual([
      [1, 0.3],
      [0.5, 0.25],
      [0.1, 0.1],
    ]);
    expect(series[1]!.points.map((p) => p.x)).toEqual([1, 0.1]);
  });

  it('accepts flat rows, other key names and object levels', () => {
    const r = parseReport({
      results: [
        {
          level: { fraction: 0.25, n_train: 1000 },
          source: 'hybrid',
          'recall@20': 0.2,
          'ndcg@20': { value: 0.1 },
        },
        { level: '0.5', instance: 'hybrid', 'recall@20': 0.22 },
      ],
    }) as StructuredReport;
    expect(r.kind).toBe('structured');
    // No explicit level list: numeric levels sort from most to least data.
    expect(r.levels).toEqual([0.5, 0.25]);
    expect(r.sources).toEqual(['hybrid']);
    expect(r.cells.hybrid!['ndcg@20']!['0.25']!.mean).toBe(0.1);
  });

  it('accepts metrics given as a list', () => {
    const r = parseReport({
      results: [
        {
          level: 1,
          plugin: 'semantic',
          metrics: [{ name: 'recall@20', mean: 0.1, ci: [0.09, 0.11] }],
        },
      ],
    }) as StructuredReport;
    expect(r.cells.semantic!['recall@20']!['1']).toEqual({ mean: 0.1, ciLow: 0.09, ciHigh: 0.11 });
  });

  it('falls back to the raw view for unfamiliar shapes', () => {
    expect(parseReport(null).kind).toBe('raw');
    expect(parseReport([1, 2]).kind).toBe('raw');
    expect(parseReport({ summary: 'x' }).kind).toBe('raw');
    expect(parseReport({ results: [{ foo: 1 }] }).kind).toBe('raw');
    expect(parseReport({ results: [{ level: 1, plugin: 'x', metrics: { a: 'n/a' } }] }).kind).toBe(
      'raw',
    );
  });

  it('normalises levels and cells', () => {
    expect(levelValue(0.5)).toBe(0.5);
    expect(levelValue('0.25')).toBe(0.25);
    expect(levelValue('cold')).toBe('cold');
    expect(levelValue({ keep: 0.1 })).toBe(0.1);
    expect(levelValue({})).toBeNull();
    expect(cellValue(3)).toEqual({ mean: 3, ciLow: null, ciHigh: null });
    expect(cellValue({ mean: 'x' })).toBeNull();
  });
});

// The layout the evaluation sweep writes (evaluation/src/report_json.c).
const ci = (mean: number | null) => ({
  mean,
  lo: mean === null ? null : mean - 0.02,
  hi: mean === null ? null : mean + 0.02,
});
const cell = (r20: number | null, n20: number) => ({
  fit_seconds: 1.5,
  recommend_seconds: 0.2,
  metrics: { 'recall@10': ci(0.1), 'recall@20': ci(r20), 'ndcg@20': ci(n20) },
  coverage: { 'coverage@20': 0.3 },
  activity_buckets: [],
});
const SWEEP = {
  recsys_version: '1.0.0',
  evaluated_on: 'test',
  config: { seed: 42, levels: [1, 0.25] },
  dataset: { users: 610, items: 9724, ratings: 100836 },
  ci_method: 'bootstrap percentile 95%',
  levels: [
    {
      fraction: 1,
      train_ratings: 80000,
      users_evaluated: 600,
      results: { lightgcn: cell(0.3, 0.2), popularity: cell(0.15, 0.1) },
      relative: [],
    },
    {
      fraction: 0.25,
      train_ratings: 20000,
      users_evaluated: 590,
      results: { lightgcn: cell(null, 0.12), popularity: cell(0.12, 0.08) },
      relative: [],
    },
  ],
};

describe('parseReport, nested sweep layout', () => {
  it('reads levels, instances, metrics with lo/hi, and coverage', () => {
    const r = parseReport(SWEEP) as StructuredReport;
    expect(r.kind).toBe('structured');
    expect(r.levels).toEqual([1, 0.25]);
    expect(r.sources).toEqual(['lightgcn', 'popularity']);
    expect(r.metrics).toEqual(['recall@10', 'recall@20', 'ndcg@20', 'coverage@20']);
    const pop = r.cells.popularity!['recall@20']!['0.25']!;
    expect(pop.mean).toBe(0.12);
    expect(pop.ciLow).toBeCloseTo(0.1, 10);
    expect(pop.ciHigh).toBeCloseTo(0.14, 10);
    expect(r.cells.lightgcn!['coverage@20']!['1']!.mean).toBe(0.3);
    // A null mean (undefined metric) is left out, not drawn as 0.
    expect(r.cells.lightgcn!['recall@20']!['0.25']).toBeUndefined();
    expect(seriesFor(r, 'recall@20')[0]!.points.map((p) => p.x)).toEqual([1]);
  });

  it('keeps per-level data sizes and top-level facts', () => {
    const r = parseReport(SWEEP) as StructuredReport;
    expect(r.levelInfo).toEqual([
      { level: 1, fields: { train_ratings: 80000, users_evaluated: 600 } },
      { level: 0.25, fields: { train_ratings: 20000, users_evaluated: 590 } },
    ]);
    expect(r.extras.dataset).toEqual({ users: 610, items: 9724, ratings: 100836 });
    expect(r.config).toEqual({ seed: 42, levels: [1, 0.25] });
  });
});
