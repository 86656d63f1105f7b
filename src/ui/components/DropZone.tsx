import { useId, useRef, useState, type DragEvent, type ReactNode } from 'react';
import type { DroppedFile } from '../../worker/protocol';
import { droppedFilesFromDataTransfer, droppedFilesFromList } from '../engine/dropped-files';

/**
 * A drop target with file and folder choosers, keyboard operable: the
 * buttons open the system's file dialog.
 */
export function DropZone({
  label,
  hint,
  accept,
  onFiles,
  disabled,
  testId,
  children,
}: {
  label: string;
  hint: string;
  accept?: string;
  onFiles: (files: DroppedFile[]) => void;
  disabled?: boolean;
  testId: string;
  children?: ReactNode;
}) {
  const [over, setOver] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const id = useId();
  const deliver = (files: DroppedFile[]) => {
    if (files.length > 0) onFiles(files);
  };
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (!disabled) deliver(await droppedFilesFromDataTransfer(event.dataTransfer));
  };
  return (
    <div
      className={over ? 'dropzone over' : 'dropzone'}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      data-testid={testId}
    >
      <p id={`${id}-label`}>
        <strong>{label}</strong>
        <br />
        <span className="muted">{hint}</span>
      </p>
      <div className="row">
        <button type="button" onClick={() => fileInput.current?.click()} disabled={disabled}>
          Choose files…
        </button>
        <button type="button" onClick={() => folderInput.current?.click()} disabled={disabled}>
          Choose a folder…
        </button>
        {children}
      </div>
      <input
        ref={fileInput}
        type="file"
        multiple
        accept={accept}
        hidden
        aria-labelledby={`${id}-label`}
        data-testid={`${testId}-files`}
        onChange={(e) => {
          deliver(droppedFilesFromList(e.target.files ?? []));
          e.target.value = '';
        }}
      />
      <input
        ref={folderInput}
        type="file"
        hidden
        aria-labelledby={`${id}-label`}
        data-testid={`${testId}-folder`}
        {...({ webkitdirectory: '' } as Record<string, string>)}
        onChange={(e) => {
          deliver(droppedFilesFromList(e.target.files ?? []));
          e.target.value = '';
        }}
      />
    </div>
  );
}
