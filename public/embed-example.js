// A course page talking to two Hearth embeds (see README, "Embedding Hearth in a page").
const here = new URLSearchParams(location.search);
const APP = new URL(here.get('app') || location.origin).origin;
/** Settings this page's own address passes on to both embeds (?backend=cpu, ?seed=7), over the ones below. */
const overrides = [...here].filter(([key]) => key !== 'app');

/** Hearth's event and command versions this page speaks. */
const VERSION = 1;

const EMBEDS = {
  circles: {
    // The whole experiment, as Hearth's "Share / Embed" writes it, then the embed's own options.
    settings: {
      datasetId: 'circles',
      model: 'tabular-mlp',
      layers: 'flatten_dense-16-relu_dense-2-softmax',
      optimizer: 'adam',
      learningRate: '0.001',
      schedule: 'constant',
      batchSize: '32',
      epochs: '1',
      patience: '0',
      seed: '42',
    },
    options: {
      panels: 'run_eval',
      unlock: 'epochs_learningRate',
      title: 'Circles: inside or outside?',
      note: 'One hidden layer of 16 units. Raise the epochs or the learning rate until the test accuracy passes 95 %.',
    },
  },
  spiral: {
    settings: {
      datasetId: 'spiral',
      model: 'tabular-mlp',
      layers: 'flatten_dense-8-relu_dense-2-softmax',
      optimizer: 'adam',
      learningRate: '0.01',
      schedule: 'constant',
      batchSize: '32',
      epochs: '30',
      patience: '0',
      seed: '42',
    },
    options: {
      panels: 'run_eval',
      unlock: 'layers',
      title: 'Spiral: how deep?',
      note: 'Add hidden layers (Model) and train again.',
    },
  },
};

function embedSrc(id, { settings, options }) {
  const params = new URLSearchParams({ share: '1', ...settings });
  for (const [key, value] of overrides) params.set(key, value);
  for (const [key, value] of Object.entries(options)) params.set(key, value);
  params.set('embed', id);
  // Only this page gets the embed's events, and only this page's commands are obeyed.
  params.set('origin', location.origin);
  return `${APP}/?${params}`;
}

const frames = {};
for (const [id, embed] of Object.entries(EMBEDS)) {
  frames[id] = document.getElementById(id);
  frames[id].src = embedSrc(id, embed);
}

/** Sends a command to one embed, at Hearth's origin only. */
function send(id, command) {
  frames[id].contentWindow.postMessage({ source: 'hearth-host', version: VERSION, ...command }, APP);
}

document.getElementById('circles-start').onclick = () => send('circles', { type: 'start' });
document.getElementById('circles-stop').onclick = () => send('circles', { type: 'stop' });
document.getElementById('circles-set').onclick = () => {
  send('circles', { type: 'set', field: 'epochs', value: Number(document.getElementById('circles-epochs').value) });
  send('circles', { type: 'set', field: 'learningRate', value: document.getElementById('circles-rate').value });
};
document.getElementById('spiral-start').onclick = () => send('spiral', { type: 'start' });
document.getElementById('spiral-stop').onclick = () => send('spiral', { type: 'stop' });

/** Every event received, oldest first (for the log below, and the console). */
window.hearthEvents = [];
let best = null;

function log(event) {
  window.hearthEvents.push(event);
  const item = document.createElement('li');
  item.textContent = JSON.stringify(event);
  item.dataset.type = event.type;
  item.dataset.embed = event.embed;
  document.getElementById('log').append(item);
  document.getElementById('event-count').textContent = String(window.hearthEvents.length);
}

function onRunFinished(event) {
  if (event.embed !== 'circles' || event.testAccuracy === null) return;
  best = Math.max(best ?? 0, event.testAccuracy);
  const quiz = document.getElementById('quiz');
  const percent = (x) => `${(x * 100).toFixed(1)} %`;
  if (best >= 0.95) {
    quiz.dataset.state = 'passed';
    document.getElementById('quiz-status').textContent = `Correct: ${percent(event.testAccuracy)} on the test set. Question 2 is open.`;
    document.getElementById('question-2').hidden = false;
  } else {
    document.getElementById('quiz-status').textContent = `Not yet: ${percent(event.testAccuracy)} (best ${percent(best)}). Try more epochs or a higher learning rate.`;
  }
}

addEventListener('message', (e) => {
  // Only Hearth's frames, at Hearth's origin, speaking a version this page knows.
  const id = Object.keys(frames).find((k) => frames[k].contentWindow === e.source);
  const event = e.data;
  if (!id || e.origin !== APP || event?.source !== 'hearth' || event.version !== VERSION) return;
  if (event.type === 'size') {
    frames[id].style.height = `${event.height}px`;
    return;
  }
  log(event);
  if (event.type === 'run-finished') onRunFinished(event);
});
