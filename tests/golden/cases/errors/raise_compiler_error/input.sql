{{ exceptions.raise_compiler_error('boom') }}
