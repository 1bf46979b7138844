"""Episodes: an agent acting on an org through SOQL/SOSL, scored like CRMArena-Pro."""
