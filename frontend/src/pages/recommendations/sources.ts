import type { Source } from '../../api';

// The UI names of the configured source instances (instance name, then plugin name).
const LABELS: Record<string, string> = {
  hybrid: 'Hybrid',
  lightgcn: 'LightGCN',
  ease: 'Item-to-item (EASE)',
  semantic: 'Content',
  content: 'Content',
  popularity: 'Popular',
  popular: 'Popular',
};

const ORDER = ['hybrid', 'lightgcn', 'semantic', 'content', 'popularity', 'popular'];

function titleCase(name: string): string {
  // Unknown instance: "item_knn" -> "Item knn".
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : name;
}

export function sourceLabel(name: string, plugin?: string): string {
  const key = name.toLowerCase();
  if (LABELS[key]) return LABELS[key];
  if (plugin && LABELS[plugin.toLowerCase()]) return LABELS[plugin.toLowerCase()]!;
  return titleCase(name);
}

/**
 * Labels for a set of sources, unique within the set: two instances of one
 * plugin (popularity by count and by damped mean) must not both read "Popular",
 * so a label borrowed from the plugin name gives way to the instance name.
 */
export function sourceLabels(sources: Source[]): Record<string, string> {
  const out: Record<string, string> = {};
  const exact = new Set<string>();
  for (const s of sources)
    if (LABELS[s.name.toLowerCase()]) exact.add(LABELS[s.name.toLowerCase()]!);
  const count = new Map<string, number>();
  for (const s of sources) {
    const l = sourceLabel(s.name, s.plugin);
    count.set(l, (count.get(l) ?? 0) + 1);
  }
  for (const s of sources) {
    const l = sourceLabel(s.name, s.plugin);
    const borrowed = !LABELS[s.name.toLowerCase()];
    out[s.name] = borrowed && (exact.has(l) || (count.get(l) ?? 0) > 1) ? titleCase(s.name) : l;
  }
  return out;
}

function rank(s: Source): number {
  const i = ORDER.indexOf(s.name.toLowerCase());
  const j = ORDER.indexOf(s.plugin.toLowerCase());
  const r = i >= 0 ? i : j;
  return r >= 0 ? r : ORDER.length;
}

/** Sources in the order users expect: Hybrid, LightGCN, Content, Popular, then the rest by name. */
export function orderSources(sources: Source[]): Source[] {
  return [...sources].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/**
 * Sources that can produce per-user recommendations (RS_CAP_RECOMMEND, sent as
 * "recommend"); similar-only ones are hidden. If none advertise it, show all
 * rather than an empty selector.
 */
export function recommendingSources(sources: Source[]): Source[] {
  const able = sources.filter(
    (s) => !s.capabilities?.length || s.capabilities.some((c) => /recommend/i.test(c)),
  );
  return able.length > 0 ? able : sources;
}
