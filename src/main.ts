import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { startApp } from './state/app';

const target = document.getElementById('app');
if (!target) throw new Error('Hearth needs an element with id "app" to start.');
mount(App, { target });
startApp();
