import type { Source, SourcesResponse } from '../../api';
import { orderSources } from '../recommendations/sources';

/** Sources that can answer "similar movies" (RS_CAP_SIMILAR). */
export function similarSources(sources: Source[]): Source[] {
  return orderSources(sources.filter((s) => s.capabilities?.some((c) => c === 'similar')));
}

/**
 * The user's pick if still offered, else the server's default for similar
 * items (its best configured source), else the first that can answer.
 */
export function chooseSimilarSource(data: SourcesResponse | undefined, wanted: string): string {
  const able = data ? similarSources(data.sources) : [];
  return (
    able.find((s) => s.name === wanted)?.name ??
    able.find((s) => s.name === data?.default_similar)?.name ??
    able[0]?.name ??
    ''
  );
}
