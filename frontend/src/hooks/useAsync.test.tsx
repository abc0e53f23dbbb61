import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useAsync } from './useAsync';

type Resolver = (v: string) => void;
const pending = new Map<string, Resolver>();
const renders: { q: string; data: string | undefined; loading: boolean }[] = [];

function Probe({ q }: { q: string }) {
  const { data, loading } = useAsync(
    () => new Promise<string>((resolve) => pending.set(q, resolve)),
    [q],
  );
  renders.push({ q, data, loading });
  return <output>{loading ? 'loading' : data}</output>;
}

describe('useAsync', () => {
  it('never renders new deps with old data as if it were current', async () => {
    const { rerender } = render(<Probe q="a" />);
    await act(async () => pending.get('a')!('result a'));
    expect(screen.getByRole('status')).toHaveTextContent('result a');
    renders.length = 0;
    rerender(<Probe q="b" />);
    // The first render with q=b must already say loading, even though data is a's.
    expect(renders[0]).toEqual({ q: 'b', data: 'result a', loading: true });
    await act(async () => pending.get('b')!('result b'));
    expect(screen.getByRole('status')).toHaveTextContent('result b');
  });

  it('ignores a late answer for an old query', async () => {
    const { rerender } = render(<Probe q="x" />);
    rerender(<Probe q="y" />);
    await act(async () => pending.get('y')!('result y'));
    await act(async () => pending.get('x')!('result x'));
    expect(screen.getByRole('status')).toHaveTextContent('result y');
  });
});
