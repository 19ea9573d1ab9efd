import { appConfig, initials } from './config';

/** The brand's logo, or its initials in the brand colour, then its name. */
export function BrandMark() {
  const { name, logoUrl } = appConfig.brand;
  return (
    <>
      {logoUrl ? (
        <img className="brand-logo" src={logoUrl} alt="" />
      ) : (
        <span className="brand-mark" aria-hidden="true">
          {initials(name)}
        </span>
      )}
      <span className="brand-name">{name}</span>
    </>
  );
}
