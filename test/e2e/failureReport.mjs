// For a browser test's afterEach: when a test failed, leave a screenshot and what the page
// said (the run panel's state and text, the error banner), for whoever reads the CI log.
import { mkdirSync } from 'node:fs';

export async function reportFailure(t, page, prefix = '') {
  if (t.passed !== false || !page) return;
  mkdirSync('test-results', { recursive: true });
  const file = `test-results/${prefix}${t.name.replace(/\W+/g, '-').slice(0, 60)}.png`;
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  const text = async (id) => (await page.getByTestId(id).allTextContents().catch(() => [])).join(' | ');
  console.error(`Failed at ${page.url()}; screenshot ${file}`);
  console.error(`run: ${await page.getByTestId('run').getAttribute('data-state').catch(() => '?')} ${await text('run')}`);
  console.error(`error banner: ${await text('error')}`);
}
