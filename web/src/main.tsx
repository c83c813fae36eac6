/** Entry point: mounts the dashboard, then starts fetching the chart library in the background. */
import { render } from 'preact';
import { App } from './app.tsx';
import { loadCharts } from './charts/Chart.tsx';
import './styles.css';
import './components.css';

render(<App />, document.getElementById('app')!);
// In parallel with the page's first API calls; a failure shows in each chart's box instead.
setTimeout(() => loadCharts().catch(() => undefined), 0);
