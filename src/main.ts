import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createHearth } from './state/hearth.svelte';
import { registerServiceWorker } from './state/serviceWorker';

const target = document.getElementById('app');
if (!target) throw new Error('Hearth needs an element with id "app" to start.');
const hearth = createHearth({ writeUrl: true });
mount(App, { target, props: { hearth } });
hearth.start(location.search);
registerServiceWorker();
// Closing the tab ends training, or loses a trained model that could not be saved; ask first.
addEventListener('beforeunload', (e) => {
  if (hearth.busy()) e.preventDefault();
});
