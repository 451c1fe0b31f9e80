/**
 * The search box with type-ahead (WAI-ARIA combobox with a listbox popup, "list autocomplete"): suggestions of
 * units, establishments and communes from `GET /offer/suggest` as one types; ↓/↑ move through them, Entrée chooses
 * one, Échap closes the list; without a chosen suggestion Entrée submits the search. The focus stays in the input
 * (aria-activedescendant), so typing goes on while moving through the list.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../lib/api';

export interface Suggestion {
  kind: 'unit' | 'establishment' | 'commune';
  id: string;
  label: string;
}

const KIND_LABELS: Record<Suggestion['kind'], string> = { unit: 'Unité', establishment: 'Établissement', commune: 'Commune' };
const LISTBOX = 'suggestions-recherche';

export function SearchCombobox({ value, onInput, onChoose }: { value: string; onInput(value: string): void; onChoose(s: Suggestion): void }) {
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const typed = useRef(false);

  useEffect(() => {
    const text = value.trim();
    if (!typed.current || text.length < 2) {
      setSuggestions([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      getJson<{ suggestions: Suggestion[] }>(`/offer/suggest?q=${encodeURIComponent(text)}&limit=8`, controller.signal).then(
        (r) => {
          setSuggestions(r.suggestions);
          setActive(-1);
          setOpen(r.suggestions.length > 0);
        },
        () => setSuggestions([]),
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [value]);

  const expanded = open && suggestions.length > 0;
  const choose = (s: Suggestion) => {
    setOpen(false);
    typed.current = false;
    onChoose(s);
  };

  return (
    <div class="combobox">
      <label for="recherche-texte">Rechercher une unité, un établissement, une commune</label>
      <input
        id="recherche-texte"
        type="search"
        name="q"
        role="combobox"
        list={undefined}
        autocomplete="off"
        spellcheck={false}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={LISTBOX}
        aria-activedescendant={expanded && active >= 0 ? `${LISTBOX}-${active}` : undefined}
        aria-describedby="recherche-aide"
        value={value}
        onInput={(e) => {
          typed.current = true;
          onInput((e.target as HTMLInputElement).value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            if (!expanded && suggestions.length) setOpen(true);
            setActive((i) => (suggestions.length ? (i + 1) % suggestions.length : -1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            if (!expanded && suggestions.length) setOpen(true);
            setActive((i) => (suggestions.length ? (i <= 0 ? suggestions.length - 1 : i - 1) : -1));
          } else if (e.key === 'Escape') {
            if (expanded) {
              e.preventDefault();
              setOpen(false);
              setActive(-1);
            }
          } else if (e.key === 'Enter' && expanded && active >= 0) {
            e.preventDefault();
            choose(suggestions[active]);
          }
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      <p id="recherche-aide" class="hint">
        Suggestions dès deux lettres : flèches haut et bas pour les parcourir, Entrée pour choisir, Échap pour fermer.
      </p>
      <ul id={LISTBOX} role="listbox" aria-label="Suggestions" class="combobox-list" hidden={!expanded}>
        {suggestions.map((s, i) => (
          <li
            key={`${s.kind}:${s.id}`}
            id={`${LISTBOX}-${i}`}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              choose(s);
            }}
          >
            <span class="suggestion-kind">{KIND_LABELS[s.kind]}</span> {s.label}
          </li>
        ))}
      </ul>
    </div>
  );
}
