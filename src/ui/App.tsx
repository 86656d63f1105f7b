import { useEffect } from 'react';
import type { Playground } from './bootstrap';
import { Header } from './components/Header';
import { Notices } from './components/Notices';
import { ComparePanel } from './panels/ComparePanel';
import { DataPanel } from './panels/DataPanel';
import { ExportPanel } from './panels/ExportPanel';
import { InsightPanel } from './panels/InsightPanel';
import { MethodsPanel } from './panels/MethodsPanel';
import { ModelPanel } from './panels/ModelPanel';
import { RunsPanel } from './panels/RunsPanel';
import { TryItPanel } from './panels/TryItPanel';
import { PlaygroundContext } from './playground-context';
import { usePlayground } from './store';
import { selectTheme } from './store/selectors';

export function App({ playground }: { playground: Playground }) {
  const theme = usePlayground(selectTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <PlaygroundContext.Provider value={playground}>
      <Header />
      <main className="layout">
        <div className="column">
          <ModelPanel />
          <DataPanel />
          <MethodsPanel />
        </div>
        <div className="column wide">
          <RunsPanel />
          <ComparePanel />
          <InsightPanel />
          <TryItPanel />
          <ExportPanel />
        </div>
      </main>
      <Notices />
    </PlaygroundContext.Provider>
  );
}
