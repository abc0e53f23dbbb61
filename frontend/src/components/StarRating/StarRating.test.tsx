import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { StarRating } from './StarRating';
import { starFill } from './stars';

function Controlled({ initial = null as number | null, onClear = true }) {
  const [v, setV] = useState<number | null>(initial);
  return (
    <>
      <StarRating
        value={v}
        onChange={setV}
        onClear={onClear ? () => setV(null) : undefined}
        label="Your rating"
      />
      <output data-testid="value">{v === null ? 'none' : String(v)}</output>
    </>
  );
}

const value = () => screen.getByTestId('value').textContent;

describe('StarRating', () => {
  it('is a focusable slider with the 0.5-5 range', () => {
    render(<Controlled initial={3.5} />);
    const slider = screen.getByRole('slider', { name: 'Your rating' });
    expect(slider).toHaveAttribute('tabindex', '0');
    expect(slider).toHaveAttribute('aria-valuemin', '0.5');
    expect(slider).toHaveAttribute('aria-valuemax', '5');
    expect(slider).toHaveAttribute('aria-valuenow', '3.5');
    expect(slider).toHaveAttribute('aria-valuetext', '3.5 stars out of 5');
  });

  it('moves by half stars with the arrow keys and clamps at the ends', async () => {
    const user = userEvent.setup();
    render(<Controlled />);
    const slider = screen.getByRole('slider');
    await user.click(slider.querySelector('.star-slot:nth-child(3) .star-hit-right')!);
    expect(value()).toBe('3');
    slider.focus();
    await user.keyboard('{ArrowRight}');
    expect(value()).toBe('3.5');
    await user.keyboard('{ArrowUp}{ArrowUp}{ArrowUp}{ArrowUp}');
    expect(value()).toBe('5');
    await user.keyboard('{ArrowLeft}');
    expect(value()).toBe('4.5');
    await user.keyboard('{Home}');
    expect(value()).toBe('0.5');
    await user.keyboard('{ArrowDown}');
    expect(value()).toBe('0.5');
    await user.keyboard('{End}');
    expect(value()).toBe('5');
  });

  it('starts at half a star when an unrated slider gets an arrow key', async () => {
    const user = userEvent.setup();
    render(<Controlled />);
    screen.getByRole('slider').focus();
    await user.keyboard('{ArrowRight}');
    expect(value()).toBe('0.5');
  });

  it('picks whole stars with digits and clears with Delete', async () => {
    const user = userEvent.setup();
    render(<Controlled />);
    screen.getByRole('slider').focus();
    await user.keyboard('4');
    expect(value()).toBe('4');
    expect(screen.getByRole('slider')).toHaveAttribute('aria-valuetext', '4 stars out of 5');
    await user.keyboard('{Delete}');
    expect(value()).toBe('none');
    expect(screen.getByRole('slider')).toHaveAttribute('aria-valuetext', 'Not rated');
  });

  it('gives half a star for the left half of a star and a whole one for the right half', async () => {
    const user = userEvent.setup();
    render(<Controlled />);
    const slots = screen.getByRole('slider').querySelectorAll('.star-slot');
    await user.click(slots[1]!.querySelector('.star-hit-left')!);
    expect(value()).toBe('1.5');
    await user.click(slots[4]!.querySelector('.star-hit-right')!);
    expect(value()).toBe('5');
    await user.click(slots[0]!.querySelector('.star-hit-left')!);
    expect(value()).toBe('0.5');
  });

  it('renders half-filled stars for half values', () => {
    const { container } = render(<StarRating value={2.5} label="Average" />);
    const fills = [...container.querySelectorAll('.star')].map((s) => s.getAttribute('data-fill'));
    expect(fills).toEqual(['1', '1', '0.5', '0', '0']);
    expect(screen.getByRole('img', { name: 'Average: 2.5 stars out of 5' })).toBeInTheDocument();
    expect(screen.queryByRole('slider')).toBeNull();
  });

  it('does not call onChange for the current value or when disabled', async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    const { rerender } = render(<StarRating value={3} onChange={onChange} label="r" />);
    const slider = screen.getByRole('slider');
    await user.click(slider.querySelectorAll('.star-slot')[2]!.querySelector('.star-hit-right')!);
    expect(onChange).not.toHaveBeenCalled();
    rerender(<StarRating value={3} onChange={onChange} label="r" disabled />);
    slider.focus();
    await user.keyboard('{ArrowRight}5');
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByRole('slider')).toHaveAttribute('tabindex', '-1');
  });

  it('computes star fills', () => {
    expect([1, 2, 3, 4, 5].map((i) => starFill(3.5, i))).toEqual([1, 1, 1, 0.5, 0]);
    expect([1, 2, 3, 4, 5].map((i) => starFill(0.5, i))).toEqual([0.5, 0, 0, 0, 0]);
    expect(starFill(null, 1)).toBe(0);
  });
});
