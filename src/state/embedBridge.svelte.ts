/**
 * An embedded Hearth's side of the conversation with its host page: posts the
 * run's progress as versioned events (lib/embed/events.ts) to the host origin,
 * and obeys the host's commands — start, stop, set an unlocked field — while
 * ignoring every message from any other window or origin.
 */
import { modelSummary, describeProblem } from '../lib/model/validate';
import { embedEvent, parseCommand, type EmbedCommand, type EmbedEvent, type EmbedEventBody, type RunOutcome } from '../lib/embed/events';
import { editableFields, type EmbedOptions } from '../lib/embed/options';
import { fromHost } from '../lib/embed/origin';
import type { WorkerEvent } from '../lib/protocol';
import type { Hearth } from './hearth.svelte';

export interface HostMessage {
  data: unknown;
  origin: string;
  /** Whether window.parent sent it. */
  fromParent: boolean;
}

/** The window the embed talks through; tests pass a fake. */
export interface HostChannel {
  post(event: EmbedEvent, targetOrigin: string): void;
  listen(handler: (message: HostMessage) => void): () => void;
}

export function windowChannel(win: Window): HostChannel {
  return {
    post: (event, targetOrigin) => win.parent.postMessage(event, targetOrigin),
    listen(handler) {
      const onMessage = (e: MessageEvent) => handler({ data: e.data, origin: e.origin, fromParent: e.source === win.parent && win.parent !== win });
      win.addEventListener('message', onMessage);
      return () => win.removeEventListener('message', onMessage);
    },
  };
}

export class EmbedBridge {
  /** Commands that came from a window or origin other than the host's, and were ignored. */
  ignored = $state(0);
  private readonly editable;
  private readonly stops: (() => void)[] = [];
  /** The run whose events go out, with what its end needs. */
  private current: { runId: string; epochs: number; testAccuracy: number | null; finished: boolean } | null = null;
  private readyFor: string | null = null;
  private height = 0;

  constructor(
    private readonly hearth: Hearth,
    private readonly options: EmbedOptions,
    /** The host origin (lib/embed/origin.ts), or null: then nothing is posted and every command is ignored. */
    private readonly host: string | null,
    private readonly channel: HostChannel,
  ) {
    this.editable = editableFields(options.unlock);
  }

  connect(): void {
    const { training } = this.hearth.services;
    this.stops.push(training.subscribe((ev) => this.onWorker(ev)));
    this.stops.push(this.channel.listen((m) => this.onMessage(m)));
    this.stops.push(
      $effect.root(() => {
        $effect(() => {
          const selected = this.hearth.library.selected;
          if (selected && selected.id !== this.readyFor) {
            this.readyFor = selected.id;
            this.post({ type: 'ready', datasetId: selected.id, unlocked: [...this.editable] });
          }
        });
      }),
    );
  }

  /** The embed's content height changed: tell the host, so it can fit the iframe to it. */
  size(height: number): void {
    const rounded = Math.ceil(height);
    if (rounded === this.height) return;
    this.height = rounded;
    this.post({ type: 'size', height: rounded });
  }

  dispose(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private post(body: EmbedEventBody): void {
    if (this.host !== null) this.channel.post(embedEvent(this.options.embed, body), this.host);
  }

  private onWorker(ev: WorkerEvent): void {
    const { run, settings } = this.hearth;
    if (ev.type === 'started' && ev.runId === run.runId) {
      this.current = { runId: ev.runId, epochs: 0, testAccuracy: null, finished: false };
      const config = settings.snapshot();
      this.post({ type: 'run-started', runId: ev.runId, datasetId: config.datasetId, epochs: ev.epochs, config });
      return;
    }
    const current = this.current;
    if (!current || ev.runId !== current.runId || current.finished) return;
    switch (ev.type) {
      case 'epoch': {
        const { log } = ev;
        current.epochs = log.epoch;
        this.post({ type: 'epoch', runId: ev.runId, epoch: log.epoch, epochs: run.totalEpochs, loss: log.loss, accuracy: log.acc, valLoss: log.valLoss, valAccuracy: log.valAcc });
        break;
      }
      case 'evaluation':
        current.testAccuracy = ev.result.task === 'regression' ? null : ev.result.accuracy;
        break;
      case 'done':
        this.finish(ev.stopped ? 'stopped' : 'finished', ev.evaluated);
        break;
      case 'diverged':
        this.finish('diverged', false);
        break;
      case 'unsaved':
        this.finish('not-saved', true);
        break;
      case 'error':
        this.finish('failed', false);
        break;
    }
  }

  private finish(outcome: RunOutcome, evaluated: boolean): void {
    const current = this.current!;
    current.finished = true;
    const testAccuracy = evaluated ? current.testAccuracy : null;
    this.post({ type: 'run-finished', runId: current.runId, outcome, epochs: current.epochs, testAccuracy });
  }

  private onMessage(message: HostMessage): void {
    const parsed = parseCommand(message.data, this.editable);
    if (parsed === null) return;
    if (!fromHost(message, this.host)) {
      this.ignored += 1;
      return;
    }
    const type = (message.data as { type?: unknown }).type;
    if ('problem' in parsed) return this.refuse(String(type), parsed.problem);
    const reason = this.obey(parsed.command);
    if (reason) this.refuse(parsed.command.type, reason);
  }

  private refuse(command: string, reason: string): void {
    this.post({ type: 'refused', command, reason });
  }

  /** Carries out a command; returns why it could not, or null. */
  private obey(command: EmbedCommand): string | null {
    const { run, settings } = this.hearth;
    switch (command.type) {
      case 'start': {
        const reason = this.startBlocker();
        if (reason === null) run.start();
        return reason;
      }
      case 'stop':
        if (!run.active) return 'no run is in progress';
        run.stop();
        return null;
      case 'set':
        if (run.active) return 'settings cannot change during a run';
        settings.set(command.field, command.value as never);
        return null;
    }
  }

  private startBlocker(): string | null {
    const { run, settings, library } = this.hearth;
    if (run.active) return 'a run is in progress';
    if (!run.canStart()) return 'the trained model has not been saved yet';
    if (!library.selected) return 'the dataset is not loaded yet';
    if (!settings.valid) return 'the settings have errors';
    const model = modelSummary(settings.config, library.selected);
    return model.problem ? `the model cannot train: ${describeProblem(model.problem, model.layers)}` : null;
  }
}
