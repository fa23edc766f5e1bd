{{ 'hELLO world'.capitalize() }} {{ '1abc'.capitalize() }}
