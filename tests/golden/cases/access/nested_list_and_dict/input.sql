{{ rows[0].tags[1] }} {{ rows[1]['id'] }} {{ rows[-1].tags }}
