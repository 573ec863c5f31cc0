/**
 * The experiment config as the form edits it. Numeric fields keep the text the
 * person typed (a draft) so a half-typed "0." is not overwritten; a draft that
 * passes the config's own parse/check rules is copied into `config`. The URL
 * mirrors `config` so a link reproduces the experiment, when the instance owns
 * the page's URL (`writeUrl`); an instance inside another page leaves it alone.
 */
import {
  CONFIG_KEYS,
  DEFAULT_CONFIG,
  configToSearchParams,
  fieldOf,
  parseField,
  restoreConfig,
  type ConfigKey,
  type ExperimentConfig,
} from '../lib/config';

/** The fields the form edits as text (numbers): their drafts, and the reason a draft is unusable. */
type NumericKey = { [K in ConfigKey]: ExperimentConfig[K] extends number ? K : never }[ConfigKey];
export const NUMERIC_FIELDS = CONFIG_KEYS.filter((key) => fieldOf(key).input?.kind === 'number') as NumericKey[];
export type NumericField = NumericKey;
type Drafts = Record<NumericField, string>;

/** The fields that say what is trained (data and model), as opposed to how: Reset keeps them. */
const KEPT_ON_RESET: ConfigKey[] = ['datasetId', 'model', 'layers', 'loss', 'from', 'freeze'];

function draftsOf(config: ExperimentConfig): Drafts {
  const out = {} as Drafts;
  for (const key of NUMERIC_FIELDS) out[key] = fieldOf(key).toText(config[key]);
  return out;
}

/** The reason a draft is unusable, or undefined when it is fine. */
function draftError(field: NumericField, text: string): string | undefined {
  const spec = fieldOf(field);
  if (text.trim() === '') return `${spec.label} is required`;
  const value = spec.parse(text);
  if (value === undefined) {
    const whole = spec.input?.kind === 'number' && spec.input.integer;
    return `${spec.label} must be ${whole ? 'a whole number' : 'a number'}`;
  }
  const reason = spec.check?.(value);
  return reason ? `${spec.label} ${reason}` : undefined;
}

export class Settings {
  private readonly writeUrl: boolean;
  config = $state<ExperimentConfig>({ ...DEFAULT_CONFIG });
  drafts = $state<Drafts>(draftsOf(DEFAULT_CONFIG));
  /** The fields the page's link set (and that could be used). */
  fromLink = $state.raw<ReadonlySet<ConfigKey>>(new Set());
  /** Set when the page's URL held settings that could not be used. */
  urlMessage = $state<string | null>(null);

  errors = $derived.by(() => {
    const out: Partial<Record<NumericField, string>> = {};
    for (const key of NUMERIC_FIELDS) {
      // A field that does not apply (Adam's β₁ under SGD) is not shown, so it cannot hold the run back.
      if (fieldOf(key).shownIf?.(this.config) === false) continue;
      const reason = draftError(key, this.drafts[key]);
      if (reason) out[key] = reason;
    }
    return out;
  });
  valid = $derived(Object.keys(this.errors).length === 0);

  constructor(options: { writeUrl: boolean }) {
    this.writeUrl = options.writeUrl;
  }

  /**
   * Reads the config from a query string. Each field is checked on its own so
   * one bad value costs only that field; it falls back to its default and the
   * banner names it.
   */
  initFromUrl(search: string): void {
    const params = new URLSearchParams(search);
    const raw: Record<string, string> = {};
    const problems: string[] = [];
    for (const key of CONFIG_KEYS) {
      const value = params.get(key);
      if (value === null) continue;
      try {
        restoreConfig({ [key]: value });
        raw[key] = value;
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
    this.config = restoreConfig(raw);
    this.fromLink = new Set(Object.keys(raw) as ConfigKey[]);
    this.drafts = draftsOf(this.config);
    this.urlMessage = problems.length
      ? `This link had settings Hearth could not use, so their defaults apply: ${problems.join('; ')}.`
      : null;
    this.syncUrl();
  }

  setDraft(field: NumericField, text: string): void {
    this.drafts[field] = text;
    if (!draftError(field, text)) {
      this.config[field] = fieldOf(field).parse(text)!;
      this.syncUrl();
    }
  }

  /** Sets a field edited by a control other than a text box; a value its field refuses is ignored. */
  set<K extends ConfigKey>(field: K, value: ExperimentConfig[K]): void {
    const parsed = parseField(field, value);
    if ('problem' in parsed) return;
    this.config[field] = parsed.value;
    if (field in this.drafts) this.drafts[field as NumericField] = fieldOf(field).toText(parsed.value as never);
    this.syncUrl();
  }

  /** The config to train with: a plain copy, safe to post to the worker. */
  snapshot(): ExperimentConfig {
    return $state.snapshot(this.config);
  }

  /** Takes every field from a config that passed restoreConfig (a recorded run's): "Train again with these settings". */
  apply(config: ExperimentConfig): void {
    this.config = { ...config };
    this.drafts = draftsOf(this.config);
    this.urlMessage = null;
    this.syncUrl();
  }

  /**
   * Back to the default training settings. What is trained on and with which
   * model stays: a Reset must not turn an Iris experiment into a long MNIST run.
   */
  /** Back to the defaults; `fitted`: those that fit the dataset in use (trainingDefaults), over the table's. */
  reset(fitted: Partial<ExperimentConfig> = {}): void {
    const kept = Object.fromEntries(KEPT_ON_RESET.map((key) => [key, this.config[key]]));
    this.config = { ...DEFAULT_CONFIG, ...fitted, ...kept };
    this.drafts = draftsOf(this.config);
    this.syncUrl();
  }

  dismissUrlMessage(): void {
    this.urlMessage = null;
  }

  private syncUrl(): void {
    if (!this.writeUrl || typeof history === 'undefined' || typeof location === 'undefined') return;
    const query = configToSearchParams(this.config).toString();
    const url = `${location.pathname}${query ? `?${query}` : ''}${location.hash}`;
    history.replaceState(history.state, '', url);
  }
}
