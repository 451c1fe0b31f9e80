/** Entry of the web application (built by scripts/build-ui.ts, served at /ui by src/ui/serve.ts). */
import { render } from 'preact';
import '../styles/app.css';
import '../styles/beds.css';
import '../styles/search.css';
import '../styles/tasks.css';
import { App } from './app';

const root = document.getElementById('app')!;
root.textContent = ''; // the "Chargement…" shown until this script runs
render(<App />, root);
