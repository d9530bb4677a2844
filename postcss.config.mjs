// PostCSS runs Tailwind over the app's styles.
const config = { plugins: { '@tailwindcss/postcss': {} } };
export default config;
