/**
 * The time left in a run: the rest of training, the validation passes still to
 * come, and the evaluation on the test split. On a slow device evaluation can
 * take longer than training (10,000 test images after 1,000 training ones), so
 * a figure that counted training alone would read "0 s left" for minutes.
 *
 * Inference (validation and evaluation) is timed per sample once a pass has run.
 * Before that it is estimated as INFERENCE_SHARE of a training step's time per
 * sample; once evaluation runs, its own measured rate takes over.
 *
 * First times are slow on a GPU backend (shaders compile for each new shape), so
 * rates leave out the first reading once enough follows it, and inference is
 * timed by the latest validation pass rather than all of them.
 * test/bench/RESULTS.md ("Time left") shows how close the figure comes.
 */

/**
 * Seconds per inferred sample over seconds per trained sample, before any
 * inference was timed: the forward pass alone, in batches of 256 rather than
 * the training batch. Measured with `npm run bench -- --eta` (test/bench/RESULTS.md):
 * 0.17–0.35 for the MLP on every backend and the CNN on WebGPU; the CNN's
 * convolution gradients make its training dearer on WebGL and the CPU (0.04–0.08),
 * where this first guess runs long until a validation pass or the evaluation is timed.
 */
export const INFERENCE_SHARE = 0.2;

export interface RunPlan {
  /** Training samples per epoch. */
  trainSamples: number;
  epochs: number;
  /** Samples in each validation pass (one per epoch); 0 when there is none. */
  valSamples: number;
  /** Samples the final evaluation covers; 0 when there is no test split. */
  testSamples: number;
}

/**
 * Seconds per sample from cumulative readings (samples done, seconds taken). The
 * first reading paid for warming up; once as many samples again have followed
 * it, the rate is taken from there on.
 */
class Rate {
  private first: { samples: number; seconds: number } | null = null;
  private last = { samples: 0, seconds: 0 };

  add(samples: number, seconds: number): void {
    if (samples > 0) this.first ??= { samples, seconds };
    this.last = { samples, seconds };
  }

  /** NaN until a sample was timed. */
  perSample(): number {
    const { first, last } = this;
    if (first && last.samples - first.samples >= first.samples && last.seconds > first.seconds) {
      return (last.seconds - first.seconds) / (last.samples - first.samples);
    }
    return last.samples > 0 && last.seconds > 0 ? last.seconds / last.samples : NaN;
  }

  get samples(): number {
    return this.last.samples;
  }
}

export class TimeLeft {
  private readonly plan: RunPlan;
  private readonly share: number;
  private readonly training = new Rate();
  private validations = 0;
  /** Seconds per sample of the latest validation pass: the first one pays for compiling. */
  private perValidated = NaN;
  private evaluation: Rate | null = null;

  constructor(plan: RunPlan, share = INFERENCE_SHARE) {
    this.plan = plan;
    this.share = share;
  }

  /** Training so far: samples trained since the run started and the seconds they took, validation excluded. */
  trained(samples: number, seconds: number): void {
    this.training.add(samples, seconds);
  }

  /** One validation pass over `samples` took `seconds`. */
  validated(samples: number, seconds: number): void {
    this.validations++;
    this.perValidated = seconds / samples;
  }

  /** Evaluation has done `done` test samples in `seconds` since it began; training is over, stopped or not. */
  evaluating(done: number, seconds: number): void {
    this.evaluation ??= new Rate();
    this.evaluation.add(done, seconds);
  }

  /** Estimated seconds until the run ends; NaN until anything was timed. */
  seconds(): number {
    const perTrained = this.training.perSample();
    const perInferred = this.validations > 0 ? this.perValidated : this.share * perTrained;
    const { epochs, trainSamples, valSamples, testSamples } = this.plan;
    if (this.evaluation) {
      const measured = this.evaluation.perSample();
      return Math.max(0, testSamples - this.evaluation.samples) * (Number.isNaN(measured) ? perInferred : measured);
    }
    const training = Math.max(0, epochs * trainSamples - this.training.samples) * perTrained;
    const validation = valSamples > 0 ? Math.max(0, epochs - this.validations) * valSamples * perInferred : 0;
    return training + validation + testSamples * perInferred;
  }
}
