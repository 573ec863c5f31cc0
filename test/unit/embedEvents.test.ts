// The versioned messages between an embed and its host page: every event type against its schema, and the commands.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import { EMBED_PROTOCOL_VERSION, EVENT_SCHEMA, embedEvent, eventProblem, parseCommand, type EmbedEventBody } from '../../src/lib/embed/events';

/** One event of each type, as the embed posts them. */
const EXAMPLES: EmbedEventBody[] = [
  { type: 'ready', datasetId: 'circles', unlocked: ['epochs', 'learningRate'] },
  { type: 'run-started', runId: 'run-1', datasetId: 'circles', epochs: 10, config: { ...DEFAULT_CONFIG, datasetId: 'circles' } },
  { type: 'epoch', runId: 'run-1', epoch: 3, epochs: 10, loss: 0.21, accuracy: 0.93, valLoss: 0.25, valAccuracy: 0.91 },
  { type: 'epoch', runId: 'run-1', epoch: 1, epochs: 10, loss: 0.6, accuracy: 0.7, valLoss: null, valAccuracy: null },
  { type: 'run-finished', runId: 'run-1', outcome: 'finished', epochs: 10, testAccuracy: 0.97 },
  { type: 'run-finished', runId: 'run-1', outcome: 'diverged', epochs: 2, testAccuracy: null },
  { type: 'refused', command: 'set', reason: 'seed is locked in this embed' },
  { type: 'size', height: 812 },
];

describe('embed events', () => {
  it('has an example here for every type in the schema', () => {
    expect(new Set(EXAMPLES.map((e) => e.type))).toEqual(new Set(Object.keys(EVENT_SCHEMA)));
  });

  it.each(EXAMPLES.map((e) => [e.type, e] as const))('%s carries source, version 1 and the embed id, and fits its schema', (_, body) => {
    const ev = embedEvent('quiz-1', body);
    expect(ev).toMatchObject({ source: 'hearth', version: 1, embed: 'quiz-1', type: body.type });
    expect(EMBED_PROTOCOL_VERSION).toBe(1);
    expect(eventProblem(ev)).toBeNull();
    // Survives the structured clone postMessage makes.
    expect(eventProblem(structuredClone(ev))).toBeNull();
  });

  it('tells what is wrong with a message that is not a version-1 event', () => {
    const epoch = embedEvent('q', EXAMPLES[2]);
    expect(eventProblem('hello')).toBe('not an object');
    expect(eventProblem({ ...epoch, source: 'other' })).toBe('source is not "hearth"');
    expect(eventProblem({ ...epoch, version: 2 })).toBe('version 2 is not 1');
    expect(eventProblem({ ...epoch, type: 'toString' })).toBe('unknown type "toString"');
    expect(eventProblem({ ...epoch, loss: 'low' })).toBe('epoch: loss is not number');
    expect(eventProblem({ ...epoch, loss: NaN })).toBe('epoch: loss is not number');
    expect(eventProblem({ ...epoch, valAccuracy: undefined })).toBe('epoch: valAccuracy is not number|null');
    expect(eventProblem({ ...epoch, secret: 1 })).toBe('epoch: unexpected secret');
    expect(eventProblem({ ...embedEvent('q', EXAMPLES[4]), outcome: 'won' })).toBe('run-finished: outcome is not outcome');
    const { embed: _embed, ...noEmbed } = epoch;
    expect(eventProblem(noEmbed)).toBe('embed is not a string');
  });
});

describe('host commands', () => {
  const editable = ['epochs', 'learningRate'] as const;
  const cmd = (o: Record<string, unknown>) => parseCommand({ source: 'hearth-host', version: 1, ...o }, [...editable]);

  it('are start, stop and set of an unlocked field, its value parsed by the field', () => {
    expect(cmd({ type: 'start' })).toEqual({ command: { type: 'start' } });
    expect(cmd({ type: 'stop' })).toEqual({ command: { type: 'stop' } });
    expect(cmd({ type: 'set', field: 'epochs', value: 20 })).toEqual({ command: { type: 'set', field: 'epochs', value: 20 } });
    expect(cmd({ type: 'set', field: 'learningRate', value: '0.05' })).toEqual({ command: { type: 'set', field: 'learningRate', value: 0.05 } });
  });

  it('refuse a locked field, a bad value, an unknown command and another version, saying why', () => {
    expect(cmd({ type: 'set', field: 'seed', value: 1 })).toEqual({ problem: 'seed is locked in this embed (unlocked: epochs, learningRate)' });
    expect(cmd({ type: 'set', field: 'epochs', value: 0 })).toEqual({ problem: 'Epochs must be between 1 and 1000 (got 0)' });
    expect(cmd({ type: 'set', field: 'epochs', value: 'many' })).toEqual({ problem: 'Epochs: "many" is not a valid value' });
    expect(cmd({ type: 'reset' })).toEqual({ problem: 'unknown command "reset" (start, stop or set)' });
    expect(parseCommand({ source: 'hearth-host', version: 2, type: 'start' }, [])).toEqual({
      problem: 'version 2 is not understood; this embed speaks version 1',
    });
  });

  it('are not made of other scripts’ messages, which are left alone without a word', () => {
    expect(parseCommand({ type: 'start' }, ['epochs'])).toBeNull();
    expect(parseCommand('start', ['epochs'])).toBeNull();
    expect(parseCommand(null, ['epochs'])).toBeNull();
    expect(parseCommand({ source: 'hearth', version: 1, type: 'start' }, ['epochs'])).toBeNull();
  });
});
