import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { askFirstPage } from './first-page';
import { loadSessionToken } from './session';
import './styles.css';

askFirstPage(loadSessionToken());
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
