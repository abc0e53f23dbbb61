import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { Pager } from './Pager';
import { pageNumbers } from './pageNumbers';

describe('Pager', () => {
  it('offers the first, the last and two pages either side, with gaps', () => {
    expect(pageNumbers(10, 40)).toEqual([1, null, 8, 9, 10, 11, 12, null, 40]);
    expect(pageNumbers(5, 40)).toEqual([1, 2, 3, 4, 5, 6, 7, null, 40]);
    expect(pageNumbers(1, 3)).toEqual([1, 2, 3]);
    // A gap of one page shows that page rather than "…".
    expect(pageNumbers(4, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pageNumbers(40, 40)).toEqual([1, null, 38, 39, 40]);
  });

  it('jumps to a numbered page and marks the current one', () => {
    const onPage = vi.fn();
    render(<Pager page={5} pageSize={24} total={24 * 40} onPage={onPage} />);
    expect(screen.getByRole('button', { name: 'Page 5' })).toHaveAttribute('aria-current', 'page');
    fireEvent.click(screen.getByRole('button', { name: 'Page 40' }));
    expect(onPage).toHaveBeenCalledWith(40);
    fireEvent.click(screen.getByRole('button', { name: 'Next →' }));
    expect(onPage).toHaveBeenLastCalledWith(6);
    expect(screen.getByText('Page 5 of 40')).toBeInTheDocument();
  });
});
