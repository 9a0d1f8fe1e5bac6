import { test, expect, type Page } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ADMIN, server, signInAsAdmin, waitForHydration } from './state';

// Accessibility and layout of every page, run last (after auth.spec.ts has created the admin):
// axe-core's WCAG 2.0 / 2.1 A and AA rules on each page in four variants (desktop and phone,
// light and dark), no sideways scrolling at a phone's width, and a full-page screenshot of
// each in end2end/artifacts/pages/<variant>/<page>.png. The variants only collect what they
// find; the last test fails once with the whole list, so one run shows everything to fix.
test.describe.configure({ mode: 'serial' });

// The page's policy lets only scripts with its nonce run; Playwright's injected axe script
// carries none. Bypassing CSP relaxes script-src only (styles already allow inline).
test.use({ bypassCSP: true });

const ROOT = resolve(__dirname, '..', '..');
const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const ARTIFACTS = join(ROOT, 'end2end', 'artifacts');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Each kind's inventory path, read from the `path` of its `INFO` descriptor in
 *  app/src/kinds (one module per kind: `name.rs` or `name/mod.rs`), in the order of the
 *  `kinds!` list, so a new kind is checked without touching this spec. */
function kindPaths(): string[] {
  const dir = join(ROOT, 'app', 'src', 'kinds');
  const list = readFileSync(join(dir, 'mod.rs'), 'utf8').match(/^kinds! \{([\s\S]*?)^\}/m);
  if (!list) throw new Error('no kinds! list in app/src/kinds/mod.rs');
  const modules = [...list[1].matchAll(/=>\s*([a-z_]+)/g)].map((m) => m[1]);
  const paths = modules.map((module) => {
    const file = [join(dir, `${module}.rs`), join(dir, module, 'mod.rs')].find((f) => existsSync(f));
    if (!file) throw new Error(`no source file for the kind module ${module}`);
    const info = readFileSync(file, 'utf8').match(/pub const INFO: KindInfo = KindInfo \{([\s\S]*?)\n\};/);
    const path = info?.[1].match(/^\s*path:\s*"(\/[a-z0-9-]+)",\s*$/m)?.[1];
    if (!path) throw new Error(`no INFO path in ${file}`);
    return path;
  });
  if (!paths.length) throw new Error('the kinds! list in app/src/kinds/mod.rs names no kind');
  return paths;
}
const KINDS = kindPaths();

type Variant = { name: string; width: number; height: number; colorScheme: 'light' | 'dark' };
const VARIANTS: Variant[] = [
  { name: 'desktop-light', width: 1440, height: 900, colorScheme: 'light' },
  { name: 'desktop-dark', width: 1440, height: 900, colorScheme: 'dark' },
  { name: 'phone-light', width: 390, height: 844, colorScheme: 'light' },
  { name: 'phone-dark', width: 390, height: 844, colorScheme: 'dark' },
];
const PHONE_WIDTH = 390;

type Violation = {
  variant: string; page: string; url: string;
  rule: string; impact: string; help: string; nodes: number; targets: string[]; summary: string;
};
type SidewaysScroll = { variant: string; page: string; url: string; scrollWidth: number; innerWidth: number; widest: string[] };

// Filled by the variant tests, read by the last one (one worker, serial).
const violations: Violation[] = [];
const sideways: SidewaysScroll[] = [];
const notes: string[] = [];
const visited: Record<string, number> = {};

/** Loads `path`, checks it is the page asked for (signed in unless `signedOut`), waits for
 *  hydration, then runs axe, the width check on a phone, and takes the screenshot. */
async function check(page: Page, variant: Variant, name: string, path: string, signedOut = false) {
  const { baseUrl } = server();
  const response = await page.goto(`${baseUrl}${path}`);
  expect(response?.status(), `${variant.name}: ${path} answers 200`).toBe(200);
  if (signedOut) {
    await expect(page.locator('#current-user'), `${path} is signed out`).toHaveCount(0);
  } else {
    // Also proves the page did not bounce to the sign-in page.
    await expect(page.locator('#current-user'), `${path} is signed in`).toHaveText(ADMIN);
  }
  await waitForHydration(page);
  const url = page.url().slice(baseUrl.length);

  const found = await page.evaluate(async (tags) => {
    const axe = (window as any).axe;
    // Only violations are read: passes and incomplete results are not collected (faster).
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({
      rule: v.id as string,
      impact: (v.impact ?? 'unknown') as string,
      help: v.help as string,
      nodes: v.nodes.length as number,
      targets: v.nodes.slice(0, 3).map((n: any) => n.target.map(String).join(' >>> ')) as string[],
      summary: (v.nodes[0]?.failureSummary ?? '') as string,
    }));
  }, WCAG_TAGS);
  for (const v of found) violations.push({ variant: variant.name, page: name, url, ...v });

  if (variant.width === PHONE_WIDTH) {
    const overflow = await page.evaluate(widestElements);
    if (overflow) sideways.push({ variant: variant.name, page: name, url, ...overflow });
  }

  // A phone's page whole; a desktop's screen as it shows (its sidebar is fixed beside the page,
  // which a full-page capture would draw in the middle of it).
  await page.screenshot({
    path: join(ARTIFACTS, 'pages', variant.name, `${name}.png`),
    fullPage: variant.width === PHONE_WIDTH,
    animations: 'disabled',
  });
  visited[variant.name] = (visited[variant.name] ?? 0) + 1;
}

/** Runs in the page: null when nothing scrolls sideways, else the page's width and the
 *  elements that stick out past the viewport's right edge without a scrolling or clipping
 *  ancestor to hold them: the outermost ones (whose parent fits: usually the cause, e.g. a
 *  grid item or a table wider than its column) and the innermost (what makes them wide). */
function widestElements(): { scrollWidth: number; innerWidth: number; widest: string[] } | null {
  const innerWidth = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= innerWidth) return null;
  const label = (el: Element) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += `#${el.id}`;
    const classes = (el.getAttribute('class') ?? '').trim().split(/\s+/).filter(Boolean);
    if (classes.length) s += `.${classes.slice(0, 4).join('.')}${classes.length > 4 ? '…' : ''}`;
    return s;
  };
  const selector = (el: Element) => {
    const parts: string[] = [];
    for (let e: Element | null = el; e && e !== document.body; e = e.parentElement) {
      parts.unshift(label(e));
      if (e.id) break;
    }
    return parts.join(' > ');
  };
  // Whether an ancestor with overflow other than visible holds the element. An absolutely
  // positioned element is held only from its containing block (its offsetParent) up, so an
  // `sr-only` span in a table inside an unpositioned `overflow-x-auto` frame is not.
  const held = (el: Element) => {
    for (let e: Element | null = el; e && e !== document.body && e !== document.documentElement;) {
      const position = getComputedStyle(e).position;
      if (position === 'fixed') return true; // never widens the page
      const parent: Element | null = position === 'absolute' ? (e as HTMLElement).offsetParent : e.parentElement;
      if (!parent || parent === document.body || parent === document.documentElement) return false;
      if (getComputedStyle(parent).overflowX !== 'visible') return true;
      e = parent;
    }
    return false;
  };
  const out = new Set(Array.from(document.body.querySelectorAll('*')).filter((el) => {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) return false;
    if (rect.right + window.scrollX <= innerWidth + 0.5) return false;
    return !held(el);
  }));
  const describe = (el: Element) => {
    const rect = el.getBoundingClientRect();
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return `${selector(el)} (left ${Math.round(rect.left)}, width ${Math.round(rect.width)}, right ${Math.round(rect.right)} px)${text ? ` "${text}"` : ''}`;
  };
  const byRight = (a: Element, b: Element) => b.getBoundingClientRect().right - a.getBoundingClientRect().right;
  const all = [...out];
  const outermost = all.filter((el) => !el.parentElement || !out.has(el.parentElement)).sort(byRight).slice(0, 3);
  const innermost = all.filter((el) => !all.some((o) => o !== el && el.contains(o)) && !outermost.includes(el))
    .sort(byRight).slice(0, 3);
  return {
    scrollWidth,
    innerWidth,
    widest: [...new Set([
      ...outermost.map((el) => `outermost: ${describe(el)}`),
      ...innermost.map((el) => `innermost: ${describe(el)}`),
    ])],
  };
}

for (const variant of VARIANTS) {
  test(`every page passes axe (WCAG 2.1 AA) and fits the screen: ${variant.name}`, async ({ page }) => {
    test.setTimeout(240_000);
    // A page that never hydrates fails in 20 s, not at the test's timeout.
    page.setDefaultTimeout(20_000);
    mkdirSync(join(ARTIFACTS, 'pages', variant.name), { recursive: true });
    await page.setViewportSize({ width: variant.width, height: variant.height });
    await page.emulateMedia({ colorScheme: variant.colorScheme });
    // axe-core with every page this test opens (read once, not injected page by page).
    await page.addInitScript({ path: AXE });
    await signInAsAdmin(page, true);

    await check(page, variant, 'dashboard', '/');
    await check(page, variant, 'search', '/search?q=prod');
    for (const kind of KINDS) {
      const slug = kind.slice(1);
      await check(page, variant, slug, kind);
      const first = page.locator('#inventory tbody tr a.item-link').first();
      const href = (await first.count()) ? await first.getAttribute('href') : null;
      if (href) {
        await check(page, variant, `${slug}-item`, href);
      } else {
        notes.push(`${variant.name}: ${kind} has no items, so no detail page was checked`);
      }
      await check(page, variant, `${slug}-new`, `${kind}/new`);
    }
    await check(page, variant, 'sync', '/sync');
    await check(page, variant, 'alerts', '/alerts');
    await check(page, variant, 'outbox', '/outbox');
    await check(page, variant, 'audit', '/audit');
    const auditHref = await page.locator('#audit-table tbody tr a').first().getAttribute('href');
    expect(auditHref, 'the audit table links its first row').toMatch(/^\/audit\/\d+$/);
    await check(page, variant, 'audit-entry', auditHref!);
    await check(page, variant, 'tag-rules', '/tag-rules');
    await check(page, variant, 'compliance', '/compliance');
    await check(page, variant, 'bulk', '/bulk');
    await check(page, variant, 'shares', '/shares');
    await check(page, variant, 'shares-new', '/shares/new');
    await check(page, variant, 'users', '/users');
    await check(page, variant, 'about', '/about');

    await page.context().clearCookies();
    await check(page, variant, 'login', '/login', true);
  });
}

test('no axe violations and no sideways scrolling on any page', async () => {
  const lines: string[] = [];
  const total = Object.values(visited).reduce((a, b) => a + b, 0);
  lines.push(`Checked ${total} page views (${Object.entries(visited).map(([v, n]) => `${v}: ${n}`).join(', ')}).`);
  lines.push(...notes);

  if (violations.length) {
    // One line per rule and set of targets, naming every page and variant where it occurs.
    const byRule = new Map<string, { v: Violation; where: Map<string, string[]>; targets: Set<string> }>();
    for (const v of violations) {
      const key = `${v.rule}`;
      const entry = byRule.get(key) ?? { v, where: new Map(), targets: new Set() };
      entry.where.set(v.page, [...(entry.where.get(v.page) ?? []), v.variant]);
      v.targets.forEach((t) => entry.targets.add(t));
      byRule.set(key, entry);
    }
    lines.push('', `axe: ${violations.length} violations (${byRule.size} rules):`);
    for (const [rule, { v, where, targets }] of byRule) {
      lines.push(`  ${rule} (${v.impact}): ${v.help}`);
      lines.push(`    on: ${[...where].map(([p, vs]) => `${p} [${vs.length === VARIANTS.length ? 'all' : vs.join(', ')}]`).join('; ')}`);
      lines.push(`    targets seen: ${[...targets].slice(0, 8).join(' | ')}${targets.size > 8 ? ` … (${targets.size})` : ''}`);
    }
    lines.push('', 'Each violation:');
    for (const v of violations) {
      lines.push(`  [${v.variant}] ${v.page} (${v.url}): ${v.rule} (${v.impact}), ${v.nodes} node(s): ${v.targets.join(' | ')}`);
      lines.push(...v.summary.split('\n').map((s) => `      ${s}`));
    }
  }
  if (sideways.length) {
    lines.push('', `Scrolls sideways at ${PHONE_WIDTH} px:`);
    for (const s of sideways) {
      lines.push(`  [${s.variant}] ${s.page} (${s.url}): scrollWidth ${s.scrollWidth} > ${s.innerWidth}; widest:`);
      lines.push(...s.widest.map((w) => `      ${w}`));
    }
  }
  const report = lines.join('\n');
  writeFileSync(join(ARTIFACTS, 'a11y-report.txt'), `${report}\n`);
  writeFileSync(join(ARTIFACTS, 'a11y-report.json'), JSON.stringify({ visited, notes, violations, sideways }, null, 2));
  console.log(report);
  expect(violations.length + sideways.length, report).toBe(0);
});
