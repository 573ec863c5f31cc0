import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createHearth } from './state/hearth.svelte';
import { registerServiceWorker } from './state/serviceWorker';
import { readEmbed } from './lib/embed/options';
import { startEmbed } from './embed';

const target = document.getElementById('app');
if (!target) throw new Error('Hearth needs an element with id "app" to start.');
const embed = readEmbed(location.search);
if (embed) {
  // An embed in another page: its own storage, the page's history left alone, its host told of runs.
  void startEmbed(target, embed);
} else {
  const hearth = createHearth({ writeUrl: true });
  mount(App, { target, props: { hearth } });
  hearth.start(location.search);
  registerServiceWorker();
  // Closing the tab ends training, or loses a trained model that could not be saved; ask first.
  addEventListener('beforeunload', (e) => {
    if (hearth.busy()) e.preventDefault();
  });
}
