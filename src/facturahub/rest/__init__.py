"""JSON APIs (Fatura Sem Papel profile)."""
