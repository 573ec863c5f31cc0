/**
 * The time left in a run: the rest of training, the validation passes still to
 * come, and the evaluation on the test split. On a slow device evaluation can
 * take longer than training (10,000 test images after 1,000 training ones), so
 * a figure that counted training alone would read "0 s left" for minutes.
 *
 * Inference (validation and evaluation) is timed per sample once a pass has run.
 * Before that it is estimated as INFERENCE_SHARE of a training step's time per
 * sample; once evaluation runs, its own measured rate takes over.
 */

/**
 * Seconds per inferred sample over seconds per trained sample, before any
 * inference was timed: the forward pass alone, in batches of 256 rather than
 * the training batch. Measured with `npm run bench -- --eta` (test/bench/RESULTS.md);
 * the figure sits between the backends' so neither is off by more than about 2×.
 */
export const INFERENCE_SHARE = 0.25;

export interface RunPlan {
  /** Training samples per epoch. */
  trainSamples: number;
  epochs: number;
  /** Samples in each validation pass (one per epoch); 0 when there is none. */
  valSamples: number;
  /** Samples the final evaluation covers; 0 when there is no test split. */
  testSamples: number;
}

export class TimeLeft {
  private readonly plan: RunPlan;
  private readonly share: number;
  private trainSeen = 0;
  private trainSeconds = 0;
  private validations = 0;
  private inferSamples = 0;
  private inferSeconds = 0;
  private evaluation: { done: number; seconds: number } | null = null;

  constructor(plan: RunPlan, share = INFERENCE_SHARE) {
    this.plan = plan;
    this.share = share;
  }

  /** Training so far: samples trained since the run started and the seconds they took, validation excluded. */
  trained(samples: number, seconds: number): void {
    this.trainSeen = samples;
    this.trainSeconds = seconds;
  }

  /** One validation pass over `samples` took `seconds`. */
  validated(samples: number, seconds: number): void {
    this.validations++;
    this.inferSamples += samples;
    this.inferSeconds += seconds;
  }

  /** Evaluation has done `done` test samples in `seconds` since it began; training is over, stopped or not. */
  evaluating(done: number, seconds: number): void {
    this.evaluation = { done, seconds };
  }

  /** Estimated seconds until the run ends; NaN until anything was timed. */
  seconds(): number {
    const perTrained = this.trainSeen > 0 ? this.trainSeconds / this.trainSeen : NaN;
    const perInferred = this.inferSamples > 0 ? this.inferSeconds / this.inferSamples : this.share * perTrained;
    const { epochs, trainSamples, valSamples, testSamples } = this.plan;
    if (this.evaluation) {
      const { done, seconds } = this.evaluation;
      const perEvaluated = done > 0 && seconds > 0 ? seconds / done : perInferred;
      return Math.max(0, testSamples - done) * perEvaluated;
    }
    const training = Math.max(0, epochs * trainSamples - this.trainSeen) * perTrained;
    const validation = valSamples > 0 ? Math.max(0, epochs - this.validations) * valSamples * perInferred : 0;
    return training + validation + testSamples * perInferred;
  }
}
