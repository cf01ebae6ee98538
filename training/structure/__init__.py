"""Structure signals for the Structure Condition Controller (spec §6): canny edges, sketch outlines, masks."""
