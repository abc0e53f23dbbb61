import { act, render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthContext } from '../auth/AuthContext';
import { authValue } from '../test/fixtures';
import { Layout } from './Layout';

const auth = authValue();

afterEach(() => vi.restoreAllMocks());

describe('Layout', () => {
  it('starts each new page at the top without scrolling <main> under the sticky header', async () => {
    const scrollTo = vi.spyOn(window, 'scrollTo').mockImplementation(() => undefined);
    const focus = vi.spyOn(HTMLElement.prototype, 'focus');
    const router = createMemoryRouter(
      [
        {
          element: <Layout />,
          children: [
            { path: '/movies/:id', element: <h1>movie page</h1> },
            { path: '/browse', element: <h1>browse page</h1> },
          ],
        },
      ],
      { initialEntries: ['/movies/1'] },
    );
    render(
      <AuthContext.Provider value={auth}>
        <RouterProvider router={router} />
      </AuthContext.Provider>,
    );
    await screen.findByText('movie page');
    expect(scrollTo).not.toHaveBeenCalled();

    // e.g. clicking a similar movie far down the page
    await act(async () => {
      await router.navigate('/movies/2');
    });
    expect(scrollTo).toHaveBeenCalledWith({ top: 0, left: 0 });
    expect(focus).toHaveBeenCalledWith({ preventScroll: true });
    expect(document.activeElement).toBe(document.getElementById('main'));

    // Query-string changes (typing a search) keep the scroll position.
    scrollTo.mockClear();
    await act(async () => {
      await router.navigate('/movies/2?tab=x');
    });
    expect(scrollTo).not.toHaveBeenCalled();
  });
});
