/// <reference types="vite/client" />
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { startPlayground } from './ui/bootstrap';
import './ui/styles.css';

const playground = startPlayground();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App playground={playground} />
  </StrictMode>,
);
