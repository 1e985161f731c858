/** Public entry point: re-exports what embedding code and test scripts use. */
export {};
