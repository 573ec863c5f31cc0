/** README.md of the Python export: what is in the archive and how to run it. */
import { LAYER_NAMES } from '../../model/layers';
import { formatShapeOf } from '../../model/shapes';
import type { PythonExperiment } from './experiment';

export function readme(e: PythonExperiment, withWeights: boolean): string {
  const c = e.config;
  const layers = e.plan.map((l) => `| ${l.name} | ${LAYER_NAMES[l.spec.type]} | ${formatShapeOf(l.input)} | ${formatShapeOf(l.output)} |`).join('\n');
  return `# ${e.title}

Exported from Hearth: the experiment on **${e.datasetName}** (${e.kind}, ${e.task}), ready to train
with PyTorch or Keras on bigger machines.

| File | What |
| --- | --- |
| \`train_torch.py\` | PyTorch: one process (CPU or one GPU), or several GPUs and machines with \`torchrun\` |
| \`train_keras.py\` | Keras (TensorFlow 2): one device, with \`tf.distribute\` multi-worker set-up in \`make_strategy()\` |
| \`data.npz\` | the splits: \`x_train\`, \`y_train\`, \`x_val\`, \`y_val\`, \`x_test\`, \`y_test\`, \`class_names\`${e.kind === 'tabular' ? ', `feature_names`, `encoding`' + (e.task === 'regression' ? ', `target_scale`' : '') : ''} |
${withWeights ? '| `weights.npz` | the trained weights from Hearth, in PyTorch\'s layout and names (`conv0.weight`, …) |\n' : ''}| \`experiment.json\` | Hearth's settings for this experiment |

## Run

\`\`\`sh
pip install torch numpy            # or: apt-get install python3-torch python3-numpy
python3 train_torch.py             # one process, one epoch line per epoch, then the test score
torchrun --nproc_per_node=4 train_torch.py                      # 4 GPUs of one machine
torchrun --nnodes=2 --node_rank=0 --nproc_per_node=4 --master_addr=HOST --master_port=29500 train_torch.py
                                   # the same on the second machine with --node_rank=1
# Debian 12's python3-torch (1.13 under Python 3.11) needs --redirects 1 --tee 1 for torchrun to start.

pip install tensorflow numpy
python3 train_keras.py
\`\`\`

Both take \`--epochs N\` (0 evaluates only), \`--weights weights.npz\` (start from Hearth's weights;
with \`--epochs 0\` the scripts reproduce Hearth's predictions), \`--predictions out.npy\` (the
outputs on the test split) and \`--out\` (where to save the trained model).

## The experiment

${e.plan.length} layers, input ${formatShapeOf(e.inputShape)} (height × width × channels):

| Name | Layer | Input | Output |
| --- | --- | --- | --- |
${layers}

Loss ${e.loss}; optimizer ${c.optimizer}, learning rate ${c.learningRate}, schedule ${c.schedule.kind};
batch size ${c.batchSize} (in all, split between processes); ${c.epochs} epochs; seed ${c.seed};
weight decay ${c.weightDecay || 'off'}; early-stopping patience ${c.patience || 'off'};
augmentation ${e.augment ? 'on' : 'off'}.

## Data

Images are stored as uint8 pixels \`[n, height, width, channels]\` (channels last) and scaled to
0–1 by the scripts; PyTorch's script moves the channels first. Tables are float32
\`[n, features]\`, already standardised and one-hot encoded as Hearth stores them; \`encoding\`
holds, as JSON, each column's mean and spread or its categories, to encode new rows the same way.
Labels are class indices${e.task === 'regression' ? '; regression targets are in their own units, and the scripts learn them standardised with `target_scale` (mean, spread)' : ''}.
The validation split is the one Hearth validated on${e.config.trainLimit > 0 ? `, and only the first ${e.config.trainLimit} training samples are exported (the experiment's *Training samples* limit; without a stored validation split, validation is the end of them): set the limit to 0 to export them all` : ''}.

## Weights and layouts

Hearth (TensorFlow.js) keeps tensors channels-last; PyTorch keeps them channels-first. weights.npz
is converted for PyTorch: Dense kernels are transposed (\`[in, out]\` → \`[out, in]\`), Conv2D kernels
go from HWIO to OIHW, batch normalisation's gamma / beta / moving mean / moving variance become
weight / bias / running_mean / running_var, and the features after a Flatten are reordered from
(row, column, channel) to (channel, row, column), which is the order PyTorch flattens in.
\`train_keras.py\` undoes these conversions when it loads the file. 'same' padding follows
TensorFlow (the odd pixel goes to the bottom and right) in both scripts.

## What differs from the browser

Random numbers come from each framework's own generator, so the initial weights, the shuffle,
dropout and the augmentation draws differ from Hearth's (the seed still makes each script
repeatable). Keras's Adam and RMSprop place epsilon slightly differently from TensorFlow.js.
Under several processes each one takes its share of every batch.
`;
}
