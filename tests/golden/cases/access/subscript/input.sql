{{ model['name'] }} {{ model["config"]['materialized'] }}
