/** Evidence files: pick or drop up to 3, see previews, watch each upload's progress. */
import { useEffect, useEffectEvent, useId, useRef, useState } from 'react';
import { ApiError, type Upload, uploadFile } from './api';
import { bytes } from './format';

export const MAX_FILES = 3;
export const MAX_BYTES = 25 * 1024 * 1024;
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,video/mp4,video/quicktime,video/webm,text/plain,.txt,.mov';
export const LIMITS_TEXT = 'PNG, JPEG, GIF, WebP, PDF, MP4, MOV, WebM or plain text · up to 25 MiB each · at most 3 files';

interface Item {
  key: string;
  file: File;
  preview: string | null;
  progress: number;
  upload: Upload | null;
  error: string | null;
  abort: (() => void) | null;
}

const ERRORS: Record<string, string> = {
  file_too_large: 'This file is larger than 25 MiB.',
  payload_too_large: 'This file is larger than 25 MiB.',
  file_type_not_allowed: 'This type of file isn’t accepted. Use an image, PDF, video or plain text file.',
  file_empty: 'This file is empty.',
};

export interface FilesState {
  ids: string[];
  busy: boolean;
}

export function FileDrop({ onChange, error }: { onChange: (s: FilesState) => void; error?: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // The form hears of every change of the files, through the onChange it passes now; a new callback alone is no change.
  const report = useEffectEvent((s: FilesState) => onChange(s));

  useEffect(() => {
    report({
      ids: items.filter((i) => i.upload).map((i) => (i.upload as Upload).id),
      busy: items.some((i) => !i.upload && !i.error),
    });
  }, [items]);

  const update = (key: string, patch: Partial<Item>) => setItems((xs) => xs.map((x) => (x.key === key ? { ...x, ...patch } : x)));

  const add = (files: FileList | File[]) => {
    setNotice(null);
    const room = MAX_FILES - items.filter((i) => !i.error).length;
    const list = Array.from(files);
    if (list.length > room) setNotice(`At most ${MAX_FILES} files: ${list.length - Math.max(room, 0)} not added.`);
    for (const file of list.slice(0, Math.max(room, 0))) {
      const key = `${file.name}-${file.size}-${Math.random().toString(36).slice(2)}`;
      const preview = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
      if (file.size > MAX_BYTES) {
        setItems((xs) => [...xs, { key, file, preview, progress: 0, upload: null, error: ERRORS.file_too_large as string, abort: null }]);
        continue;
      }
      const { promise, abort } = uploadFile(file, (p) => update(key, { progress: p }));
      setItems((xs) => [...xs, { key, file, preview, progress: 0, upload: null, error: null, abort }]);
      promise.then(
        (upload) => update(key, { upload, progress: 1, abort: null }),
        (e: unknown) => {
          const err = e instanceof ApiError ? e : null;
          update(key, { error: (err && ERRORS[err.code]) ?? err?.message ?? 'The upload failed.', abort: null });
        },
      );
    }
  };

  const remove = (item: Item) => {
    item.abort?.();
    if (item.preview) URL.revokeObjectURL(item.preview);
    setItems((xs) => xs.filter((x) => x.key !== item.key));
  };

  const full = items.filter((i) => !i.error).length >= MAX_FILES;

  return (
    <div className="field" role="group" aria-labelledby={`${id}-label`}>
      <span className="label" id={`${id}-label`}>
        Evidence <span className="muted">(optional)</span>
      </span>
      <p className="hint" id={`${id}-limits`}>
        {LIMITS_TEXT}
      </p>
      <div
        className={`dropzone ${over ? 'dropzone-over' : ''} ${full ? 'dropzone-full' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          if (!full) setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (!full) add(e.dataTransfer.files);
        }}
      >
        <span className="dropzone-icon" aria-hidden="true">
          ⇪
        </span>
        <span>{full ? 'Three files added: remove one to add another.' : 'Drag files here, or'}</span>
        {!full && (
          <button
            type="button"
            className="btn btn-secondary btn-sm"
            onClick={() => input.current?.click()}
            aria-describedby={`${id}-limits`}
          >
            Choose files
          </button>
        )}
        {/* Out of the accessibility tree: "Choose files" is the one control people use; this only opens the picker. */}
        <input
          ref={input}
          id={`${id}-input`}
          className="visually-hidden"
          type="file"
          multiple
          accept={ACCEPT}
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            if (e.target.files) add(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      {notice && (
        <p className="field-error" role="alert">
          {notice}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {items.length > 0 && (
        <ul className="file-list" aria-label="Files">
          {items.map((item) => (
            <li key={item.key} className={`file ${item.error ? 'file-error' : ''}`}>
              <div className="file-thumb" aria-hidden="true">
                {item.preview ? (
                  <img src={item.preview} alt="" />
                ) : (
                  <span>{item.file.name.split('.').pop()?.toUpperCase().slice(0, 4) ?? 'FILE'}</span>
                )}
              </div>
              <div className="file-body">
                <div className="file-name">
                  <span className="truncate">{item.file.name}</span>
                  <span className="muted small">{bytes(item.file.size)}</span>
                </div>
                {item.error ? (
                  <p className="field-error" role="alert">
                    {item.error}
                  </p>
                ) : (
                  <div className="progress-row">
                    <progress
                      max={1}
                      value={item.progress}
                      aria-label={`Upload of ${item.file.name}`}
                      aria-valuetext={`${Math.round(item.progress * 100)}%`}
                    />
                    <span className="small muted">{item.upload ? 'Uploaded' : `${Math.round(item.progress * 100)}%`}</span>
                  </div>
                )}
              </div>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => remove(item)} aria-label={`Remove ${item.file.name}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
