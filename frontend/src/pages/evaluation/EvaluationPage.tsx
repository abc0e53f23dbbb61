import { useEffect, useMemo } from 'react';
import { api } from '../../api';
import { EmptyState, ErrorMessage, Loading } from '../../components/Status';
import { useAsync } from '../../hooks/useAsync';
import { sourceLabel } from '../recommendations/sources';
import { LineChart } from './LineChart';
import {
  chartMetrics,
  formatLevel,
  formatMetric,
  parseReport,
  seriesFor,
  type Cell,
  type StructuredReport,
} from './parseReport';
import { RawView } from './RawView';
import './EvaluationPage.css';

function CellText({ cell }: { cell: Cell | undefined }) {
  if (!cell) return <span className="muted">—</span>;
  return (
    <>
      {formatMetric(cell.mean)}
      {cell.ciLow !== null && cell.ciHigh !== null && (
        <span className="ci">
          {' '}
          [{formatMetric(cell.ciLow)}, {formatMetric(cell.ciHigh)}]
        </span>
      )}
    </>
  );
}

function xLabelFor(report: StructuredReport): string {
  const fractions = report.levels.every((l) => typeof l === 'number' && l > 0 && l <= 1);
  return fractions ? 'Training ratings kept' : 'Sparsity level';
}

export function MetricTable({ report, metric }: { report: StructuredReport; metric: string }) {
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption>{metric}</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            {report.levels.map((l) => (
              <th key={String(l)} scope="col">
                {formatLevel(l)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.sources.map((s) => (
            <tr key={s}>
              <th scope="row">
                {sourceLabel(s)}
                {sourceLabel(s).toLowerCase() !== s.toLowerCase() && (
                  <span className="muted"> ({s})</span>
                )}
              </th>
              {report.levels.map((l) => (
                <td key={String(l)}>
                  <CellText cell={report.cells[s]?.[metric]?.[String(l)]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function humanKey(key: string): string {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function formatCount(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString() : formatMetric(v);
}

/** What was evaluated: the data behind each level and how the intervals were computed. */
function ReportSummary({ report }: { report: StructuredReport }) {
  const { extras, levelInfo } = report;
  const columns = [...new Set(levelInfo.flatMap((i) => Object.keys(i.fields)))];
  const dataset = extras.dataset;
  const facts: string[] = [];
  if (typeof extras.evaluated_on === 'string')
    facts.push(`Evaluated on the ${extras.evaluated_on} split`);
  if (dataset && typeof dataset === 'object') {
    const d = dataset as Record<string, unknown>;
    const parts = ['users', 'items', 'ratings']
      .filter((k) => typeof d[k] === 'number')
      .map((k) => `${formatCount(d[k] as number)} ${k}`);
    if (parts.length) facts.push(parts.join(', '));
  }
  if (typeof extras.started_utc === 'string') facts.push(`run ${extras.started_utc}`);
  if (facts.length === 0 && columns.length === 0 && typeof extras.ci_method !== 'string')
    return null;
  return (
    <section aria-labelledby="summary-heading" className="report-summary">
      <h2 id="summary-heading">Data</h2>
      {facts.length > 0 && <p className="muted">{facts.join(' · ')}.</p>}
      {columns.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption>Per sparsity level</caption>
            <thead>
              <tr>
                <th scope="col">Level</th>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {humanKey(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {levelInfo.map((i) => (
                <tr key={String(i.level)}>
                  <th scope="row">{formatLevel(i.level)}</th>
                  {columns.map((c) => (
                    <td key={c}>{i.fields[c] === undefined ? '—' : formatCount(i.fields[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {typeof extras.ci_method === 'string' && (
        <p className="muted">Confidence intervals: {extras.ci_method}.</p>
      )}
    </section>
  );
}

export function ReportView({ raw }: { raw: unknown }) {
  const report = useMemo(() => parseReport(raw), [raw]);
  if (report.kind === 'raw') {
    return (
      <section aria-labelledby="raw-heading">
        <h2 id="raw-heading">Report</h2>
        <p className="muted">This report has an unfamiliar layout, so it is shown as-is.</p>
        <RawView value={report.value} />
      </section>
    );
  }
  const xLabel = xLabelFor(report);
  const charted = chartMetrics(report.metrics);
  return (
    <>
      {charted.length > 0 && (
        <section className="charts" aria-label="Charts">
          {charted.map((m) => (
            <LineChart
              key={m}
              title={`${m} vs sparsity`}
              series={seriesFor(report, m)}
              xLabel={xLabel}
            />
          ))}
        </section>
      )}
      <ReportSummary report={report} />
      <section aria-labelledby="tables-heading">
        <h2 id="tables-heading">All metrics</h2>
        <p className="muted">
          Columns are sparsity levels ({xLabel.toLowerCase()}); brackets give the confidence
          interval when reported.
        </p>
        {report.metrics.map((m) => (
          <MetricTable key={m} report={report} metric={m} />
        ))}
      </section>
      {(report.config !== null || Object.keys(report.extras).length > 0) && (
        <details className="report-config">
          <summary>Run configuration</summary>
          {report.config !== null && <RawView value={report.config} />}
          {Object.keys(report.extras).length > 0 && <RawView value={report.extras} />}
        </details>
      )}
    </>
  );
}

/** The command that produces the report the server reads (its work_dir/eval). */
export const EVAL_COMMAND = 'build/recsys eval --config evaluation/sparsity.yaml --out work/eval';

function RefreshHint() {
  return (
    <p className="muted">
      To produce or refresh the report, run <code>build/recsys eval</code> from the project
      directory, writing where the server looks (its <code>work_dir</code>, <code>work/</code> by
      default):
      <br />
      <code className="command">{EVAL_COMMAND}</code>
      <br />
      then reload this page. Pages already open keep the report they loaded.
    </p>
  );
}

export function EvaluationPage() {
  const report = useAsync((signal) => api.evaluation({ signal }), []);
  useEffect(() => {
    document.title = 'Evaluation · recsys';
  }, []);

  return (
    <div className="page evaluation-page">
      <header className="page-header">
        <div>
          <h1>Evaluation</h1>
          <p className="page-lede">
            How each recommendation source holds up as training data gets sparser (offline sweep on
            a held-out test split).
          </p>
        </div>
      </header>
      {report.loading && <Loading label="Loading the latest report…" />}
      {report.error && <ErrorMessage error={report.error} onRetry={() => report.reload()} />}
      {!report.loading && !report.error && report.data === null && (
        <EmptyState title="No evaluation report yet">
          <p>
            <code>scripts/run</code> starts the evaluation sweep in the background once the server
            is up. It takes several minutes (progress in <code>work/eval.log</code>); reload this
            page when it has finished.
          </p>
          <RefreshHint />
        </EmptyState>
      )}
      {!report.loading && report.data !== null && report.data !== undefined && (
        <>
          <ReportView raw={report.data} />
          <section className="report-refresh" aria-label="Refreshing the report">
            <RefreshHint />
          </section>
        </>
      )}
    </div>
  );
}
