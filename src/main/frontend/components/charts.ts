import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

// Only the pieces the dashboard draws, so the bundle carries no unused chart types.
Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

// Axis labels, legends and grid lines follow the colour scheme (the app is light or dark as the system prefers).
const darkScheme = window.matchMedia('(prefers-color-scheme: dark)');
function applySchemeDefaults() {
  Chart.defaults.color = darkScheme.matches ? '#c9d1db' : '#5c6470';
  Chart.defaults.borderColor = darkScheme.matches ? 'rgba(255, 255, 255, 0.12)' : 'rgba(0, 0, 0, 0.1)';
}
applySchemeDefaults();
darkScheme.addEventListener('change', applySchemeDefaults);

/**
 * Colours for health classes, matching the health badges. Fixed values: the theme's custom properties may hold CSS
 * functions a canvas cannot draw with.
 */
export function healthColors() {
  return {
    healthy: '#2e8540',
    degraded: '#e0a400',
    unhealthy: '#d63031',
    unknown: '#b0b7c0',
  };
}

/** A qualitative palette for versions (distinct hues, readable on white). */
export const seriesColors = ['#1676f3', '#13a89e', '#f29d0b', '#8e44ad', '#e4572e', '#5c7080', '#b8c2cc', '#9aa5b1'];
