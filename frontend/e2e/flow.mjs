// The end-to-end user flow, in Debian's chromium driven by playwright-core.
// Run by e2e/run.sh, which starts the real server and sets RS_E2E_URL.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.RS_E2E_URL;
const ART = process.env.RS_ARTIFACT_DIR ?? '../build/e2e-artifacts';
const CHROMIUM = process.env.RS_CHROMIUM ?? '/usr/bin/chromium';
const STEP_MS = Number(process.env.RS_E2E_STEP_TIMEOUT_MS ?? 30000);
if (!BASE) {
  console.error('RS_E2E_URL is not set (run e2e/run.sh)');
  process.exit(2);
}
mkdirSync(ART, { recursive: true });

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
const user = `e2e_${Date.now().toString(36)}`;
const password = 'correct-horse-battery';

let failures = 0;
const problems = [];

function log(msg) {
  console.log(`e2e: ${msg}`);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    failures += 1;
    log(`FAIL ${name}: ${err instanceof Error ? err.message.split('\n')[0] : err}`);
    throw err;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Fails on console errors, uncaught exceptions and 5xx API responses. */
function watch(page, label) {
  page.on('console', (m) => {
    // Chromium logs every 4xx as "Failed to load resource"; expected ones (401 from
    // /api/me when logged out, a wrong password) are not problems. 5xx are caught below.
    if (m.type() === 'error' && !/Failed to load resource|favicon/.test(m.text()))
      problems.push(`${label} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${label} ${r.status()} from ${r.url()}`);
  });
}

async function shot(page, name) {
  // Posters are loading="lazy": scroll through once so a full-page shot shows them.
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 60));
    }
    window.scrollTo(0, 0);
  });
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.screenshot({ path: join(ART, `${name}.png`), fullPage: true });
}

/** Layout check: nothing may stick out sideways (the classic phone bug). */
async function noSidewaysScroll(page, where) {
  const { sw, iw } = await page.evaluate(() => ({
    sw: document.documentElement.scrollWidth,
    iw: window.innerWidth,
  }));
  assert(sw <= iw + 1, `${where}: page is ${sw}px wide in a ${iw}px viewport`);
}

/** Waits until the browse results are for the current query (not a stale list). */
async function results(page, text) {
  await page.locator('.results[aria-busy="false"] .result-count', { hasText: text }).waitFor();
}

async function go(page, hash) {
  await page.goto(`${BASE}/#${hash}`);
}

// launch() gives the browser a fresh temporary profile (user-data dir) and removes it on close.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

let exitCode = 0;
try {
  const desktop = await browser.newContext({ viewport: DESKTOP });
  desktop.setDefaultTimeout(STEP_MS);
  const page = await desktop.newPage();
  watch(page, 'desktop');

  await step('login page loads', async () => {
    await page.goto(BASE);
    await page.getByRole('heading', { name: 'recsys' }).waitFor();
    await shot(page, 'desktop-login');
  });

  await step('register a new account', async () => {
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.locator('form').getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Rate a few movies' }).waitFor();
  });

  await step('onboarding: rate three movies, progress moves', async () => {
    const sliders = page.getByRole('slider');
    await sliders.first().waitFor();
    const n = await sliders.count();
    assert(n >= 3, `onboarding offered ${n} movies`);
    for (const [i, key] of [
      [0, '5'],
      [1, '3'],
      [2, '4'],
    ]) {
      await sliders.nth(i).focus();
      await page.keyboard.press(key);
    }
    await page.getByText('3 of 10 rated').waitFor();
    // Each new rating adds picks; after a 5-star one some follow it.
    await page.waitForFunction((n) => document.querySelectorAll('.movie-card').length > n, n);
    const cards = await page.locator('.movie-card').count();
    const because = await page.locator('.onboarding-because').count();
    log(
      `     onboarding: ${n} offered, ${cards} after three ratings, ${because} "because you liked"`,
    );
    const ids = await page
      .locator('.movie-card-link')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert(new Set(ids).size === ids.length, 'onboarding showed a film twice');
    await shot(page, 'desktop-onboarding');
  });

  await step('recommendations: the server chooses the A/B arm and the page shows it', async () => {
    const first = page.waitForResponse((r) => r.url().includes('/api/recommendations'));
    await page.getByRole('link', { name: 'Skip for now' }).click();
    await page.getByRole('heading', { name: 'Recommended for you' }).waitFor();
    const res = await first;
    assert(!res.url().includes('source='), `the app sent ${res.url()}`);
    const body = await res.json();
    log(`     no source= sent; answered by ${body.source}, arm ${body.arm}`);
    if (process.env.RS_E2E_EXPECT_ARM)
      assert(body.arm, 'an experiment is configured but arm is null');
    if (body.arm) await page.locator('.badge', { hasText: `A/B arm: ${body.arm}` }).waitFor();
    assert(
      await page.getByRole('radio', { name: 'Automatic' }).isChecked(),
      'Automatic is not selected',
    );
  });

  await step('log out and log back in; the session survives a reload', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Username').waitFor();
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(password);
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Recommended for you' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Recommended for you' }).waitFor();
    await page.getByText(user, { exact: true }).waitFor();
  });

  let movieTitle = '';
  await step('search the catalogue and filter by genre', async () => {
    await page.getByRole('link', { name: 'Browse' }).click();
    await page.getByRole('heading', { name: 'Browse movies' }).waitFor();
    await page.getByLabel('Search titles').fill('toy story');
    await results(page, /matching “toy story”/);
    const first = page.locator('.movie-card-title').first();
    movieTitle = (await first.textContent()) ?? '';
    assert(/toy story/i.test(movieTitle), `first hit is "${movieTitle}"`);
    await shot(page, 'desktop-search');
    // MovieLens stores "Matrix, The": found as typed, shown the natural way.
    for (const typed of ['the matrix', 'Matrix, The']) {
      await page.getByLabel('Search titles').fill(typed);
      await results(page, `matching “${typed}”`);
      const top = ((await page.locator('.movie-card-title').first().textContent()) ?? '').trim();
      assert(top === 'The Matrix', `"${typed}" first hit is "${top}"`);
    }
    await page.getByLabel('Search titles').fill('x'.repeat(3000));
    await page.getByText('Search text can be at most 200 characters').waitFor();
    await page.getByLabel('Search titles').fill('');
    await page.getByLabel('Genre').selectOption('Comedy');
    await results(page, /^[\d,]+ movies in Comedy$/);
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText(/Page 2 of/).waitFor();
    // Sort options and page numbers.
    const sorted = page.waitForResponse((r) => r.url().includes('sort=year'));
    await page.getByLabel('Sort by').selectOption('year');
    assert((await sorted).ok(), 'sort=year failed');
    await page.getByText(/Page 1 of/).waitFor();
    const years = await page
      .locator('.movie-card-meta > span:first-child')
      .evaluateAll((els) => els.slice(0, 6).map((e) => Number(e.textContent)));
    assert(
      years.every((y, i) => i === 0 || y <= years[i - 1]),
      `newest first: ${years.join(', ')}`,
    );
    await page.getByRole('button', { name: 'Page 3' }).click();
    await page.getByText(/Page 3 of/).waitFor();
    await shot(page, 'desktop-browse');
    await page.getByLabel('Sort by').selectOption('popularity');
  });

  await step('rate a movie with half stars, change it, see it in history', async () => {
    await page.getByLabel('Genre').selectOption('');
    await results(page, /^[\d,]+ movies$/);
    await page.getByLabel('Search titles').fill('toy story');
    await results(page, /matching “toy story”$/);
    await page.locator('.movie-card-link', { hasText: movieTitle }).first().click();
    await page.getByRole('heading', { name: 'Similar movies' }).waitFor();
    const slider = page.locator('.your-rating').getByRole('slider');
    await slider.focus();
    await page.keyboard.press('4');
    await page.keyboard.press('ArrowRight');
    assert((await slider.getAttribute('aria-valuenow')) === '4.5', 'slider did not reach 4.5');
    const saved = page.waitForResponse(
      (r) => r.url().includes('/api/ratings/') && r.request().method() === 'PUT',
    );
    assert((await saved).ok(), 'PUT /api/ratings failed');
    await page.locator('.your-rating .rating-status', { hasText: 'Saved' }).waitFor();
    await page.reload();
    await page.locator('.your-rating').getByRole('slider').waitFor();
    const after = await page
      .locator('.your-rating')
      .getByRole('slider')
      .getAttribute('aria-valuenow');
    assert(after === '4.5', `after reload the rating is ${after}`);
    await shot(page, 'desktop-movie');

    await page.getByRole('link', { name: 'My ratings' }).click();
    await page.getByRole('heading', { name: 'My ratings' }).waitFor();
    const firstRow = page.locator('.rating-row').first();
    await firstRow.waitFor();
    const rowText = (await firstRow.textContent()) ?? '';
    assert(
      rowText.includes(movieTitle) && rowText.includes('4.5'),
      `newest rating row is "${rowText}"`,
    );
    assert((await page.locator('.rating-row').count()) === 4, 'expected 4 ratings in history');
    await shot(page, 'desktop-ratings');
  });

  await step('open a similar movie', async () => {
    await page.locator('.rating-row-title').first().click();
    await page.getByRole('heading', { name: 'Similar movies' }).waitFor();
    const id = page.url().match(/movies\/(\d+)/)?.[1];
    const status = await page.evaluate(
      async (mid) => (await fetch(`/api/movies/${mid}/similar?k=1`)).status,
      id,
    );
    if (status >= 400 && status < 500 && !process.env.RS_E2E_REQUIRE_SIMILAR) {
      // A popularity-only config has no source that supports similar items.
      await page.getByText('Similar movies are not available here').waitFor();
      log(
        `     skipped: /api/movies/${id}/similar answered ${status} (no similar-capable source configured)`,
      );
      return;
    }
    const grid = page.getByRole('list', { name: /Movies similar to/ });
    await grid.waitFor();
    const similarBy = page.getByRole('group', { name: 'Similar by' });
    if (await similarBy.count()) {
      const checked = await similarBy.locator('input:checked').getAttribute('value');
      log(`     similar movies by ${checked} (server default_similar)`);
    }
    const link = grid.locator('.movie-card-link').last();
    const title = ((await link.textContent()) ?? '').trim();
    await link.scrollIntoViewIfNeeded();
    await link.click();
    await page.locator('#movie-title', { hasText: title }).waitFor();
    // The new title is at the top, not scrolled under the sticky header.
    const { y, top, header } = await page.evaluate(() => ({
      y: window.scrollY,
      top: document.getElementById('movie-title')?.getBoundingClientRect().top ?? -1,
      header: document.querySelector('.site-header')?.getBoundingClientRect().bottom ?? 0,
    }));
    assert(y === 0 && top >= header, `after navigation scrollY=${y}, title top ${top} < ${header}`);
  });

  await step('an unknown movie id says "No such movie"', async () => {
    await go(page, '/movies/999999999');
    await page.getByRole('heading', { name: 'No such movie' }).waitFor();
    assert((await page.getByRole('button', { name: 'Try again' }).count()) === 0, 'offers a retry');
  });

  await step('switch recommendation sources', async () => {
    await page.getByRole('link', { name: 'For you' }).click();
    await page.getByRole('group', { name: 'Recommendation source' }).waitFor();
    const radios = page.getByRole('radio');
    const n = await radios.count();
    assert(n >= 1, 'no recommendation sources');
    for (let i = 0; i < n; i++) {
      const radio = radios.nth(i);
      const name = await radio.getAttribute('value');
      if (!(await radio.isChecked())) {
        // "Automatic" (value "") sends no source=.
        const res = page.waitForResponse((r) =>
          r
            .url()
            .includes(name ? `/api/recommendations?source=${name}` : '/api/recommendations?k='),
        );
        await radio.check();
        assert((await res).ok(), `recommendations for ${name || 'automatic'} failed`);
      }
      await page.locator('.movie-grid, .empty-state').first().waitFor();
      // The header names the source the list came from.
      const label = ((await radio.locator('xpath=..').textContent()) ?? '').trim();
      if (name) await page.locator('.recs-meta', { hasText: label }).waitFor();
      const shown = await page.locator('.movie-card').count();
      const explained = await page.locator('.explanation-because').count();
      log(`     source ${name} ("${label}"): ${shown} recommendations, ${explained} explained`);
    }
    await radios.first().check();
    await page.locator('.movie-grid, .empty-state').first().waitFor();
    await shot(page, 'desktop-recommendations');
  });

  await step('cards: own rating, rate, watchlist and "Not interested"', async () => {
    // The Toy Story rated earlier shows its 4.5 on its card.
    await go(page, '/browse?q=toy%20story');
    const rated = page.getByRole('slider', { name: `Your rating for ${movieTitle}` }).first();
    await rated.waitFor();
    assert((await rated.getAttribute('aria-valuenow')) === '4.5', 'own rating not on the card');

    await page.getByRole('link', { name: 'For you' }).click();
    const cards = page.locator('.movie-grid .movie-card');
    await cards.first().waitFor();
    const title = ((await cards.first().locator('.movie-card-title').textContent()) ?? '').trim();
    const second = ((await cards.nth(1).locator('.movie-card-title').textContent()) ?? '').trim();
    // Rate from a card.
    const put = page.waitForResponse(
      (r) => r.url().includes('/api/ratings/') && r.request().method() === 'PUT',
    );
    await cards.nth(2).getByRole('slider').focus();
    await page.keyboard.press('4');
    assert((await put).ok(), 'rating from a card failed');
    // Save one for later.
    const watched = page.waitForResponse((r) => r.url().includes('/api/watchlist/'));
    await page.getByRole('button', { name: `Watchlist: ${second}` }).click();
    assert((await watched).ok(), 'watchlist PUT failed');
    // Not interested: gone now and after a reload, listed on My ratings, undoable.
    const hid = page.waitForResponse((r) => r.url().includes('/api/hidden/'));
    await page.getByRole('button', { name: `Not interested in ${title}` }).click();
    assert((await hid).ok(), 'hidden PUT failed');
    await page.getByText(/won.t be recommended again/).waitFor();
    await shot(page, 'desktop-recommendations-hidden');
    await page.reload();
    await page.locator('.movie-grid .movie-card').first().waitFor();
    const titles = await page.locator('.movie-card-title').allTextContents();
    assert(!titles.map((t) => t.trim()).includes(title), `"${title}" is still recommended`);

    await page.getByRole('link', { name: 'Watchlist' }).click();
    await page.getByRole('heading', { name: 'Watchlist' }).waitFor();
    await page.locator('.movie-card-title', { hasText: second }).waitFor();
    await shot(page, 'desktop-watchlist');

    await page.getByRole('link', { name: 'My ratings' }).click();
    await page.getByRole('heading', { name: 'Not interested' }).waitFor();
    await page.getByRole('button', { name: `Undo not interested: ${title}` }).click();
    await page.getByRole('heading', { name: 'Not interested' }).waitFor({ state: 'detached' });
  });

  await step('evaluation page renders a report or the empty state', async () => {
    await page.getByRole('link', { name: 'Evaluation' }).click();
    await page.locator('.charts, .data-table, .empty-state').first().waitFor();
    await shot(page, 'desktop-evaluation');
  });

  await step('phone layout (375 px) on every page', async () => {
    const phone = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      storageState: await desktop.storageState(),
    });
    phone.setDefaultTimeout(STEP_MS);
    const p = await phone.newPage();
    watch(p, 'phone');
    const pages = [
      ['recommendations', '/recommendations', '.movie-grid, .empty-state'],
      ['browse', '/browse', '.movie-grid'],
      ['search', '/browse?q=toy%20story', '.movie-grid'],
      ['ratings', '/ratings', '.rating-list'],
      ['watchlist', '/watchlist', '.movie-grid, .empty-state'],
      ['onboarding', '/onboarding', '.movie-grid, .empty-state'],
      ['evaluation', '/evaluation', '.charts, .data-table, .empty-state'],
    ];
    for (const [name, hash, ready] of pages) {
      await go(p, hash);
      await p.locator(ready).first().waitFor();
      await noSidewaysScroll(p, `phone ${name}`);
      await shot(p, `phone-${name}`);
    }
    await go(p, '/browse?q=toy%20story');
    await p.locator('.movie-card-link').first().click();
    await p.getByRole('heading', { name: 'Similar movies' }).waitFor();
    await noSidewaysScroll(p, 'phone movie');
    await shot(p, 'phone-movie');
    await phone.close();

    const anon = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
    });
    const a = await anon.newPage();
    await a.goto(BASE);
    await a.getByLabel('Username').waitFor();
    await noSidewaysScroll(a, 'phone login');
    await shot(a, 'phone-login');
    await anon.close();
  });

  await step('tablet layout (768 px)', async () => {
    const tablet = await browser.newContext({
      viewport: { width: 768, height: 1024 },
      storageState: await desktop.storageState(),
    });
    tablet.setDefaultTimeout(STEP_MS);
    const t = await tablet.newPage();
    watch(t, 'tablet');
    for (const [name, hash, ready] of [
      ['recommendations', '/recommendations', '.movie-grid, .empty-state'],
      ['movie', '/movies/1', '.movie-hero'],
      ['browse', '/browse?genre=Animation', '.movie-grid'],
      ['onboarding', '/onboarding', '.movie-grid, .empty-state'],
      ['evaluation', '/evaluation', '.charts, .data-table, .empty-state'],
    ]) {
      await go(t, hash);
      await t.locator(ready).first().waitFor();
      await noSidewaysScroll(t, `tablet ${name}`);
      await shot(t, `tablet-${name}`);
    }
    await tablet.close();
  });

  await step('log out ends the session', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Username').waitFor();
    await go(page, '/ratings');
    await page.getByLabel('Username').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    assert(me === 401, `GET /api/me after logout answered ${me}`);
  });

  assert(problems.length === 0, `browser problems:\n  ${problems.join('\n  ')}`);
  log(`all steps passed; screenshots in ${ART}`);
} catch (err) {
  exitCode = 1;
  if (problems.length) console.error(`e2e: browser problems:\n  ${problems.join('\n  ')}`);
  console.error(err instanceof Error ? err.stack : err);
} finally {
  await browser.close();
}
if (failures && !exitCode) exitCode = 1;
process.exit(exitCode);
