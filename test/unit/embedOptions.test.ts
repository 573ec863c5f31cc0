// An embed's options as plain data in its URL: the round trip, the validation, and the link it rides on.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configFromSearchParams, type ExperimentConfig } from '../../src/lib/config';
import { EMBED_FIELDS, UNLOCKABLE, editableFields, embedDbName, embedSnippet, embedUrl, newEmbedId, originFromText, readEmbed, type EmbedOptions } from '../../src/lib/embed/options';

const APP = 'https://hearth.example/';
const config: ExperimentConfig = { ...DEFAULT_CONFIG, datasetId: 'circles', model: 'tabular-mlp', epochs: 12, learningRate: 0.03, seed: 7, backend: 'cpu' };
const options: EmbedOptions = {
  embed: 'quiz-1',
  panels: ['run', 'eval', 'runs'],
  unlock: ['learningRate', 'epochs', 'layers'],
  title: 'Circles & co: “inside or out?”',
  note: 'Reach 95 %.\nChange the rate if it stalls.',
  origin: 'https://course.example.org',
};

describe('embed options in the URL', () => {
  it('come back exactly as written, beside the whole config', () => {
    const url = embedUrl(APP, config, null, options);
    expect(url.startsWith(`${APP}?`)).toBe(true);
    const search = url.slice(APP.length);
    expect(readEmbed(search)).toEqual({ options, problems: [] });
    expect(configFromSearchParams(new URLSearchParams(search))).toEqual(config);
  });

  it('are written compactly: lists joined by "_", defaults left out', () => {
    const params = new URLSearchParams(embedUrl(APP, config, null, { ...options, panels: ['run', 'eval'], title: '', note: '', origin: null }).split('?')[1]);
    expect(params.get('embed')).toBe('quiz-1');
    expect(params.get('unlock')).toBe('learningRate_epochs_layers');
    for (const key of ['panels', 'title', 'note', 'origin']) expect(params.has(key)).toBe(false);
    expect(params.get('share')).toBe('1');
  });

  it('make no embed without an `embed` parameter, and take defaults for what is absent', () => {
    expect(readEmbed('?datasetId=circles&title=x')).toBeNull();
    expect(readEmbed('?embed=a1')).toEqual({
      options: { embed: 'a1', panels: ['run', 'eval'], unlock: [], title: '', note: '', origin: null },
      problems: [],
    });
  });

  it('name each value they cannot use and keep the rest', () => {
    const read = readEmbed('?embed=b2&panels=run_chat&unlock=epochs_datasetId&origin=https://x.org/path&title=' + 'T'.repeat(121) + '&note=ok');
    expect(read?.options).toEqual({ embed: 'b2', panels: ['run', 'eval'], unlock: [], title: '', note: 'ok', origin: null });
    expect(read?.problems).toEqual([
      'Panels cannot include “chat” (one of: run, eval, tryit, models, runs)',
      expect.stringMatching(/^Unlocked fields cannot include “datasetId” \(fields that can be unlocked: /),
      'Title must be at most 120 characters',
      'Host origin: "https://x.org/path" is not a valid value',
    ]);
  });

  it('keep an embed with a bad id apart from the app, on storage of its own', () => {
    const read = readEmbed('?embed=../../x');
    expect(read?.options.embed).toBe('embed');
    expect(read?.problems).toEqual(['Embed id: "../../x" is not a valid value']);
    expect(embedDbName('quiz-1')).toBe('hearth-embed-quiz-1');
    expect(embedDbName('quiz-1')).not.toBe(embedDbName('quiz-2'));
  });

  it('never lock the dataset open, and give the model designer with its preset and loss', () => {
    expect(UNLOCKABLE).not.toContain('datasetId');
    expect(UNLOCKABLE).toEqual(expect.arrayContaining(['learningRate', 'epochs', 'batchSize', 'optimizer', 'seed', 'layers', 'augment']));
    expect(editableFields(['epochs', 'layers'])).toEqual(['epochs', 'model', 'layers', 'loss']);
  });

  it('accept an origin only as scheme, host and port', () => {
    expect(originFromText('https://course.example.org')).toBe('https://course.example.org');
    expect(originFromText('http://localhost:8080')).toBe('http://localhost:8080');
    expect(originFromText('https://course.example.org/')).toBeUndefined();
    expect(originFromText('javascript:alert(1)')).toBeUndefined();
    expect(originFromText('ftp://files.example.org')).toBeUndefined();
    expect(originFromText('course.example.org')).toBeUndefined();
  });

  it('make an iframe snippet whose attributes cannot be broken out of', () => {
    const src = embedUrl(APP, config, null, options);
    const snippet = embedSnippet(src, 'A "quoted" <title> & more');
    expect(snippet).toBe(
      `<iframe src="${src.replaceAll('&', '&amp;')}" title="A &quot;quoted&quot; &lt;title> &amp; more" width="100%" height="720" style="max-width: 800px; border: 0" loading="lazy"></iframe>`,
    );
    expect(embedSnippet(src, '')).toContain('title="Hearth experiment"');
  });

  it('draw ids of eight letters and digits', () => {
    let i = 0;
    const id = newEmbedId(() => (i++ % 32) / 32);
    expect(id).toBe('abcdefgh');
    expect(EMBED_FIELDS.embed.parse(newEmbedId())).toMatch(/^[a-z2-9]{8}$/);
  });
});
