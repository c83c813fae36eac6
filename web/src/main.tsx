/** Entry point: mounts the dashboard. */
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';
import './components.css';

render(<App />, document.getElementById('app')!);
