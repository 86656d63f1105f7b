/** A run as every table and chart legend names it: its colour swatch, then its name. */
export function RunName({ name, color }: { name: string; color: string | undefined }) {
  return (
    <>
      <span className="swatch" style={{ background: color }} aria-hidden="true" /> {name}
    </>
  );
}
