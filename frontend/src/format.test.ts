import { describe, expect, it } from 'vitest';
import { displayTitle } from './format';

describe('displayTitle', () => {
  it.each([
    ['Matrix, The', 'The Matrix'],
    ['Matrix Reloaded, The', 'The Matrix Reloaded'],
    ["Bug's Life, A", "A Bug's Life"],
    ["Atalante, L'", "L'Atalante"],
    ["Avventura, L' (Adventure, The)", "L'Avventura (The Adventure)"],
    [
      'City of Lost Children, The (Cité des enfants perdus, La)',
      'The City of Lost Children (La Cité des enfants perdus)',
    ],
    [
      'Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il)',
      'The Good, the Bad and the Ugly (Il Buono, il brutto, il cattivo)',
    ],
    ['Toy Story', 'Toy Story'],
    ['Seven (a.k.a. Se7en)', 'Seven (a.k.a. Se7en)'],
    ['Star Wars: Episode IV - A New Hope', 'Star Wars: Episode IV - A New Hope'],
    ['Hello, Dolly!', 'Hello, Dolly!'],
    ['', ''],
  ])('%s -> %s', (stored, shown) => {
    expect(displayTitle(stored)).toBe(shown);
  });
});
