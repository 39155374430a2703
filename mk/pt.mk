# src/pt: hardware-format IO page tables.
