RULES = {"lp": (), "lp_hold": (), "lp_minutes": (), "dp": (), "sets": (), "tempo": (), "ladder": (), "home": (), "pyramid": (), "steady": ()}
