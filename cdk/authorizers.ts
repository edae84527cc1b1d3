// `gate.authorizer` and `gate.httpAuthorizer`: one value that a team attaches to
// any number of its APIs, while API Gateway wants one authorizer resource per API (a RequestAuthorizer
// or an HttpLambdaAuthorizer refuses a second API). Each makes, on first use with an API, that API's
// own authorizer, and hands it every method or route of that API.
import { Lazy } from 'aws-cdk-lib';
import { Authorizer, type IRestApi, type RequestAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import type {
  HttpRouteAuthorizerBindOptions,
  HttpRouteAuthorizerConfig,
  IHttpApi,
  IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Construct } from 'constructs';

interface Binding {
  authorizer?: RequestAuthorizer;
}

/** What makes each API's own token authorizer: `TokenGate` is one. */
export interface ITokenAuthorizerSource {
  /** A new authorizer for one REST API, made in `scope` (the API) with the construct id `id`. */
  requestAuthorizer(scope: Construct, id: string): RequestAuthorizer;
  /** A new authorizer for one HTTP API, with the id `id`. */
  httpApiAuthorizer(id: string): HttpLambdaAuthorizer;
}

/** Where `AnyRestApiAuthorizer` and `AnyHttpApiAuthorizer` get each API's authorizer from. */
export interface AnyApiAuthorizerProps {
  /** Makes each API's authorizer. */
  readonly source: ITokenAuthorizerSource;
  /** The id each API's authorizer gets inside that API. */
  readonly idInApi: string;
}

/**
 * A REST authorizer for any of your REST APIs: `{ authorizer: gate.authorizer }` in `addMethod`,
 * `addProxy` or `defaultMethodOptions`. Each API gets its own `RequestAuthorizer` (made by
 * `source.requestAuthorizer` in the API), the first time one of its methods uses this.
 */
export class AnyRestApiAuthorizer extends Authorizer {
  private readonly byApi = new Map<IRestApi, RequestAuthorizer>();
  /** Ids handed out since the last method attached: they belong to the method being built. */
  private pending: Binding[] = [];
  private readonly props: AnyApiAuthorizerProps;

  constructor(scope: Construct, id: string, props: AnyApiAuthorizerProps) {
    super(scope, id);
    this.props = props;
  }

  /**
   * A method reads the id, then attaches the authorizer to its API (aws-apigateway `Method`); the id
   * it read resolves, at synth, to the authorizer of that API.
   */
  get authorizerId(): string {
    const binding: Binding = {};
    this.pending.push(binding);
    return Lazy.string({
      produce: () => {
        if (!binding.authorizer) {
          throw new Error(
            `${this.node.path}: its authorizerId was read outside a method; attach it with { authorizer } to a REST API method`,
          );
        }
        return binding.authorizer.authorizerId;
      },
    });
  }

  /** The authorizer of `api`, made on first use. */
  forApi(api: IRestApi): RequestAuthorizer {
    let authorizer = this.byApi.get(api);
    if (!authorizer) {
      if (!(api instanceof Construct)) throw new Error(`${api}: not a construct`);
      authorizer = this.props.source.requestAuthorizer(api, this.props.idInApi);
      this.byApi.set(api, authorizer);
    }
    return authorizer;
  }

  /** Used by an existing authorizer for `api` (the management API's, whose ids are kept). */
  adopt(api: IRestApi, authorizer: RequestAuthorizer): void {
    this.byApi.set(api, authorizer);
  }

  /** @internal Called by aws-apigateway's `Method` right after it read `authorizerId`. */
  override _attachToApi(api: IRestApi): void {
    const authorizer = this.forApi(api);
    authorizer._attachToApi(api);
    for (const binding of this.pending) binding.authorizer = authorizer;
    this.pending = [];
  }
}

/**
 * An HTTP API authorizer for any of your HTTP APIs: `{ authorizer: gate.httpAuthorizer }` in
 * `addRoutes`. Each API gets its own `HttpLambdaAuthorizer` (made by `source.httpApiAuthorizer`).
 */
export class AnyHttpApiAuthorizer implements IHttpRouteAuthorizer {
  private readonly byApi = new Map<IHttpApi, HttpLambdaAuthorizer>();
  private readonly props: AnyApiAuthorizerProps;

  constructor(props: AnyApiAuthorizerProps) {
    this.props = props;
  }

  bind(options: HttpRouteAuthorizerBindOptions): HttpRouteAuthorizerConfig {
    const api = options.route.httpApi;
    let authorizer = this.byApi.get(api);
    if (!authorizer) {
      authorizer = this.props.source.httpApiAuthorizer(this.props.idInApi);
      this.byApi.set(api, authorizer);
    }
    return authorizer.bind(options);
  }
}
